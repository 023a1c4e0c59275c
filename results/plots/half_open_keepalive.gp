# half_open_keepalive.gp - seed experiment 2(b): half-open connections the
# server still holds after its clients powered off, against the time since
# the power-off, one line per setting of the server's keepalive
# (experiments/half_open_keepalive.ini).
#
#   gnuplot -e "db='half_open.db'; out='keepalive.png'" results/plots/half_open_keepalive.gp
#
# Variables (set them with -e before the script name):
#   db      results database (required)
#   out     PNG file to write (required)
#
# Runs that count: status 'done' with a params row
# 'workload.web.keepalive'. Each keepalive-on run is a line labelled
# idle/interval/count (tcp keepidle, keepintvl, keepcnt); the keepalive-off
# runs are all alike, so only the first is drawn. A line starts at the
# power-off with every connection the server accepted open and steps
# down at each close; x is on a log scale and ends at the end of the run.
#
# Exits with an error (status 1) when the database cannot be opened or has
# no matching runs.

if (!exists("db") || !exists("out")) {
  exit error "set db and out, e.g. gnuplot -e \"db='half_open.db'; out='keepalive.png'\" results/plots/half_open_keepalive.gp"
}

sq = "sqlite3 -readonly -batch -nullvalue NaN -separator ' ' '" . db . "' "
pts = "SELECT r.run_id, p.value AS ka FROM runs r JOIN params p ON p.run_id = r.run_id AND p.key = 'workload.web.keepalive' WHERE r.status = 'done'"

res = system(sq . "\"SELECT 'n=' || count(*) FROM (" . pts . ");\" 2>&1")
if (res[1:2] ne "n=") {
  exit error sprintf("cannot read the database: %s", res)
}
if (int(res[3:]) == 0) {
  exit error sprintf("no matching runs in %s: no done run has a params row 'workload.web.keepalive' (experiments/half_open_keepalive.ini)", db)
}
# the keepalive-on runs, then the first keepalive-off run
sel = "SELECT run_id FROM (" . pts . ") WHERE ka = 'on' UNION ALL SELECT min(run_id) FROM (" . pts . ") WHERE ka = 'off' HAVING count(*) > 0"
runs = system(sq . "\"" . sel . ";\"")
labels = system(sq . "\"SELECT CASE WHEN k.value = 'on' THEN (SELECT value FROM params WHERE run_id = s.run_id AND key = 'tcp.keepidle') || '/' || (SELECT value FROM params WHERE run_id = s.run_id AND key = 'tcp.keepintvl') || '/' || (SELECT value FROM params WHERE run_id = s.run_id AND key = 'tcp.keepcnt') ELSE 'keepalive_off' END FROM (" . sel . ") s JOIN params k ON k.run_id = s.run_id AND k.key = 'workload.web.keepalive';\"")
n = words(runs)

# (seconds since the power-off, connections still open): the start, one
# point per close, and the end of the run (x starts at 1 s).
steps(run) = "< " . sq . "\"WITH o AS (SELECT min(t_ns) AS off_ns FROM host_events WHERE run_id = " . run . " AND event = 'poweroff'), e AS (SELECT max(t_ns) AS end_ns FROM samples WHERE run_id = " . run . "), c AS (SELECT closed_ns FROM connections WHERE run_id = " . run . " AND kind = 'passive'), n AS (SELECT count(*) AS n FROM c) SELECT 1, n FROM n UNION ALL SELECT * FROM (SELECT (closed_ns - off_ns) / 1e9, n - row_number() OVER (ORDER BY closed_ns) FROM c, o, n WHERE closed_ns IS NOT NULL ORDER BY closed_ns) UNION ALL SELECT (end_ns - off_ns) / 1e9, (SELECT count(*) FROM c WHERE closed_ns IS NULL) FROM e, o;\""

set terminal pngcairo size 800,500 font ",10" noenhanced
set output out
set title sprintf("Half-open connections the server held after its clients powered off (%d lines; idle/interval/count)", n)
set xlabel "time since the power-off (s, log scale)"
set ylabel "server connections still open"
set logscale x
set xrange [1:*]
set yrange [0:*]
set offsets 0, 0, graph 0.06, 0
set grid xtics ytics mxtics
set key outside right top
colour(i) = (word(labels, i) eq "keepalive_off") ? "#000000" : word("#1f77b4 #d62728 #2ca02c #9467bd #ff7f0e #8c564b #e377c2 #17becf", (i - 1) % 8 + 1)
dash(i) = (i - 1) / 8 + 1
plot for [i = 1:n] steps(word(runs, i)) using 1:2 with steps lw 2 lc rgb colour(i) dt dash(i) title word(labels, i)
set output
