# quiet_time.gp - seed experiment 1: quiet time after a reboot
# (experiments/quiet_time.ini; experiments/README.md, "Seed experiments").
#
#   gnuplot -e "db='quiet.db'; out='quiet.png'" results/plots/quiet_time.gp
#
# Variables (set them with -e before the script name):
#   db      results database (required)
#   out     PNG file to write (required, 800x900)
#
# Runs that count: status 'done' with params rows 'tcp.quiet_time',
# 'tcp.isn' and 'fault.reboot.delay' (the reboot delay read as seconds).
#
# Top: segments of the server's first incarnation accepted by the
# clients' new connections (metric segs.stale_old_boot), mean per run,
# against the reboot delay; one line per ISN generator and quiet-time
# setting (solid: off, dashed: on). Log scale with 0 drawn at 0.5, the
# bottom line.
# Bottom: mean set-up time of the new connections (opened after the
# crash), against the reboot delay, with quiet time off and on (all
# generators together: the generator does not change it).
#
# Exits with an error (status 1) when the database cannot be opened or has
# no matching runs.

if (!exists("db") || !exists("out")) {
  exit error "set db and out, e.g. gnuplot -e \"db='quiet.db'; out='quiet.png'\" results/plots/quiet_time.gp"
}

sq = "sqlite3 -readonly -batch -nullvalue NaN -separator ' ' '" . db . "' "
pv(k) = "(SELECT value FROM params q WHERE q.run_id = r.run_id AND q.key = '" . k . "')"
pt = "WITH pt AS (SELECT r.run_id, " . pv("tcp.quiet_time") . " AS quiet, " . pv("tcp.isn") . " AS isn," . \
     " CAST(rtrim(" . pv("fault.reboot.delay") . ", 'ms') AS REAL) * CASE WHEN " . pv("fault.reboot.delay") . " LIKE '%ms' THEN 0.001 ELSE 1 END AS delay" . \
     " FROM runs r WHERE r.status = 'done' AND " . pv("tcp.quiet_time") . " IS NOT NULL AND " . pv("tcp.isn") . " IS NOT NULL AND " . pv("fault.reboot.delay") . " IS NOT NULL)"

res = system(sq . "\"" . pt . " SELECT 'n=' || count(*) FROM pt;\" 2>&1")
if (res[1:2] ne "n=") {
  exit error sprintf("cannot read the database: %s", res)
}
nruns = int(res[3:])
if (nruns == 0) {
  exit error sprintf("no matching runs in %s: no done run has params rows 'tcp.quiet_time', 'tcp.isn' and 'fault.reboot.delay' (experiments/quiet_time.ini)", db)
}
isns = system(sq . "\"" . pt . " SELECT isn FROM pt GROUP BY isn ORDER BY CASE isn WHEN 'clock' THEN 1 WHEN 'rfc6528' THEN 2 WHEN 'random' THEN 3 ELSE 4 END;\"")

stale(isn, quiet) = "< " . sq . "\"" . pt . " SELECT pt.delay, max(avg(m.value), 0.5) FROM pt JOIN metrics m ON m.run_id = pt.run_id AND m.name = 'segs.stale_old_boot' WHERE pt.isn = '" . isn . "' AND pt.quiet = '" . quiet . "' GROUP BY pt.delay ORDER BY pt.delay;\""
setup(quiet) = "< " . sq . "\"" . pt . ", off AS (SELECT run_id, min(t_ns) AS off_ns FROM host_events WHERE event = 'poweroff' GROUP BY run_id) SELECT pt.delay, avg((c.established_ns - c.opened_ns) / 1e9), min((c.established_ns - c.opened_ns) / 1e9), max((c.established_ns - c.opened_ns) / 1e9) FROM pt JOIN off USING (run_id) JOIN connections c ON c.run_id = pt.run_id AND c.kind = 'active' AND c.opened_ns >= off.off_ns AND c.established_ns IS NOT NULL WHERE pt.quiet = '" . quiet . "' GROUP BY pt.delay ORDER BY pt.delay;\""

colour(i) = word("#1f77b4 #d62728 #2ca02c #9467bd #ff7f0e #8c564b", (i - 1) % 6 + 1)

set terminal pngcairo size 800,900 font ",10" noenhanced
set output out
set multiplot layout 2,1 title sprintf("Quiet time after a reboot (%d done runs)", nruns)

set title "old-incarnation segments accepted by the new connections (mean per run; 0 drawn at 0.5)"
set xlabel "reboot delay (s)"
set ylabel "segments accepted"
set logscale y
set yrange [0.4:*]
set grid xtics ytics
set key outside right top
set offsets graph 0.03, graph 0.03, 0, 0
plot for [i = 1:words(isns)] stale(word(isns, i), "off") using 1:2 with linespoints lw 2 pt 7 lc rgb colour(i) title word(isns, i) . ", quiet off", \
     for [i = 1:words(isns)] stale(word(isns, i), "on") using 1:2 with linespoints lw 2 pt 6 dt 2 lc rgb colour(i) title word(isns, i) . ", quiet on"
unset logscale y

set title "set-up time of the new connections (bars: fastest to slowest)"
set ylabel "connect to ESTABLISHED (s)"
set yrange [0:*]
plot setup("off") using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb "#1f77b4" title "quiet time off", \
     setup("on") using 1:2:3:4 with yerrorlines lw 2 pt 5 lc rgb "#d62728" title "quiet time on"
unset multiplot
set output
