# syn_flood.gp - legitimate connections that get through a SYN flood,
# against the attack rate, one line per listener defence
# (experiments/syn_flood.ini).
#
#   gnuplot -e "db='flood.db'; out='flood.png'" results/plots/syn_flood.gp
#
# Variables (set them with -e before the script name):
#   db       results database (required)
#   out      PNG file to write (required)
#   backlog  the SYN-queue size to plot (default 128)
#
# y: share of the legitimate connections opened while the flood lasts
# (10 s to 40 s) that were established by the end of the run; x: spoofed
# SYNs per second in all (10 attackers x workload.attack.rate), log scale.
# The SQL is that of results/queries/syn_flood.sql, reduced to these
# columns. Exits with an error (status 1) when nothing matches.

if (!exists("db") || !exists("out")) {
  exit error "set db and out, e.g. gnuplot -e \"db='flood.db'; out='flood.png'\" results/plots/syn_flood.gp"
}
if (!exists("backlog")) backlog = 128

sq = "sqlite3 -readonly -batch -separator ' ' '" . db . "' "

pts = "WITH p AS (SELECT r.run_id," . \
  " 10 * CAST((SELECT substr(value, 1, instr(value, '/') - 1) FROM params WHERE run_id = r.run_id AND key = 'workload.attack.rate') AS REAL) AS rate," . \
  " (SELECT value FROM params WHERE run_id = r.run_id AND key = 'tcp.server.syncache') || '/' || (SELECT value FROM params WHERE run_id = r.run_id AND key = 'tcp.server.syncookies') AS d" . \
  " FROM runs r WHERE r.status = 'done' AND (SELECT value FROM params WHERE run_id = r.run_id AND key = 'tcp.server.syn_backlog') = '" . sprintf("%d", int(backlog)) . "')"

res = system(sq . "\"" . pts . " SELECT 'n=' || count(*) FROM p WHERE rate IS NOT NULL;\" 2>&1")
if (res[1:2] ne "n=") {
  exit error sprintf("cannot read the database: %s", res)
}
if (int(res[3:]) == 0) {
  exit error sprintf("no matching runs in %s: no done run of experiments/syn_flood.ini with syn_backlog %d", db, int(backlog))
}

# rows: rate, then the share established for one defence (d)
row(d) = "< " . sq . "\"" . pts . \
  " SELECT p.rate, 100.0 * sum(c.established_ns IS NOT NULL) / count(*) FROM p JOIN connections c ON c.run_id = p.run_id" . \
  " WHERE p.d = '" . d . "' AND c.kind = 'active' AND c.opened_ns >= 10000000000 AND c.opened_ns < 40000000000" . \
  " GROUP BY p.run_id ORDER BY p.rate;\""

set terminal pngcairo size 800,500 font ",10" noenhanced
set output out
set title sprintf("Legitimate connections through a SYN flood (SYN queue %d)", int(backlog))
set xlabel "spoofed SYNs per second (log scale)"
set ylabel "established (% of those opened during the flood)"
set logscale x
set yrange [0:105]
set grid
set key bottom left
plot row("off/off") using 1:2 with linespoints lw 2 pt 7 title "no defence", \
     row("off/overflow") using 1:2 with linespoints lw 2 pt 5 title "SYN cookies", \
     row("on/off") using 1:2 with linespoints lw 2 pt 9 title "SYN cache", \
     row("on/overflow") using 1:2 with linespoints lw 2 pt 11 dt 2 title "cache + cookies"
set output
