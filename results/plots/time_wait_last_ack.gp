# time_wait_last_ack.gp - seed experiment 3(a): TIME_WAIT and the active
# closer's lost last ACK (experiments/time_wait_last_ack.ini;
# experiments/README.md, "Seed experiments").
#
#   gnuplot -e "db='tw.db'; out='tw.png'" results/plots/time_wait_last_ack.gp
#
# Variables (set them with -e before the script name):
#   db      results database (required)
#   out     PNG file to write (required, 800x900)
#
# Runs that count: status 'done' with params rows 'tcp.isn',
# 'tcp.time_wait' and 'tcp.fault_tw_ack_loss'.
#
# Top: passive closes (the server's connections that reached LAST_ACK)
# that ended with a RST or a timeout, percent, against p (the percent of
# ACKs sent in TIME_WAIT that are lost), one line per TIME_WAIT length,
# pooled over the replications, for the linux ISNs (rfc6528; solid) and
# constant ISNs (dashed).
# Bottom: segments of an old incarnation accepted by a new one (metric
# segs.stale_accepted) per 100 incarnations, against the TIME_WAIT
# length, one line per ISN generator, pooled over p and replications.
#
# Exits with an error (status 1) when the database cannot be opened or has
# no matching runs.

if (!exists("db") || !exists("out")) {
  exit error "set db and out, e.g. gnuplot -e \"db='tw.db'; out='tw.png'\" results/plots/time_wait_last_ack.gp"
}

sq = "sqlite3 -readonly -batch -nullvalue NaN -separator ' ' '" . db . "' "
pv(k) = "(SELECT value FROM params q WHERE q.run_id = r.run_id AND q.key = '" . k . "')"
sec(v) = "(CAST(rtrim(" . v . ", 'ms') AS REAL) * CASE WHEN " . v . " LIKE '%ms' THEN 0.001 ELSE 1 END)"
pt = "WITH pt AS (SELECT r.run_id, " . pv("tcp.isn") . " AS isn, " . pv("tcp.time_wait") . " AS tw, " . sec(pv("tcp.time_wait")) . " AS tw_s," . \
     " CAST(" . pv("tcp.fault_tw_ack_loss") . " AS REAL) AS p" . \
     " FROM runs r WHERE r.status = 'done' AND " . pv("tcp.isn") . " IS NOT NULL AND " . pv("tcp.time_wait") . " IS NOT NULL AND " . pv("tcp.fault_tw_ack_loss") . " IS NOT NULL)"

res = system(sq . "\"" . pt . " SELECT 'n=' || count(*) FROM pt;\" 2>&1")
if (res[1:2] ne "n=") {
  exit error sprintf("cannot read the database: %s", res)
}
nruns = int(res[3:])
if (nruns == 0) {
  exit error sprintf("no matching runs in %s: no done run has params rows 'tcp.isn', 'tcp.time_wait' and 'tcp.fault_tw_ack_loss' (experiments/time_wait_last_ack.ini)", db)
}
tws = system(sq . "\"" . pt . " SELECT tw FROM pt GROUP BY tw ORDER BY min(tw_s);\"")
isns = system(sq . "\"" . pt . " SELECT isn FROM pt GROUP BY isn ORDER BY isn DESC;\"")

unclean(isn, tw) = "< " . sq . "\"" . pt . ", la AS MATERIALIZED (SELECT DISTINCT run_id, conn_id FROM transitions WHERE to_state = 'LAST_ACK') SELECT pt.p, 100.0 * sum(c.error IS NOT NULL) / count(*) FROM pt JOIN la USING (run_id) JOIN connections c ON c.run_id = la.run_id AND c.conn_id = la.conn_id AND c.kind = 'passive' WHERE pt.isn = '" . isn . "' AND pt.tw = '" . tw . "' GROUP BY pt.p ORDER BY pt.p;\""
stale(isn) = "< " . sq . "\"" . pt . ", inc AS (SELECT run_id, count(*) AS n FROM connections WHERE kind = 'active' AND established_ns IS NOT NULL GROUP BY run_id) SELECT pt.tw_s, 100.0 * sum(m.value) / sum(inc.n) FROM pt JOIN inc USING (run_id) JOIN metrics m ON m.run_id = pt.run_id AND m.name = 'segs.stale_accepted' WHERE pt.isn = '" . isn . "' GROUP BY pt.tw_s ORDER BY pt.tw_s;\""

colour(i) = word("#1f77b4 #d62728 #2ca02c #9467bd #ff7f0e #8c564b", (i - 1) % 6 + 1)

set terminal pngcairo size 800,900 font ",10" noenhanced
set output out
set multiplot layout 2,1 title sprintf("TIME_WAIT and the lost last ACK (%d done runs)", nruns)

set title "passive closes ending in RST or timeout (solid: rfc6528 ISNs, dashed: constant)"
set xlabel "p: ACKs sent in TIME_WAIT that are lost (%)"
set ylabel "not clean (% of passive closes)"
set yrange [0:*]
set grid xtics ytics
set key outside right top
set offsets graph 0.03, graph 0.03, graph 0.05, 0
plot for [i = 1:words(tws)] unclean("rfc6528", word(tws, i)) using 1:2 with linespoints lw 2 pt 7 lc rgb colour(i) title "TIME_WAIT " . word(tws, i), \
     for [i = 1:words(tws)] unclean("constant", word(tws, i)) using 1:2 with linespoints lw 1 pt 6 dt 2 lc rgb colour(i) title "TIME_WAIT " . word(tws, i) . ", constant"

set title "old-incarnation segments accepted by a new incarnation of the pair"
set xlabel "TIME_WAIT (s)"
set ylabel "per 100 incarnations"
plot for [i = 1:words(isns)] stale(word(isns, i)) using 1:2 with linespoints lw 2 pt 7 lc rgb colour(i) title "isn " . word(isns, i)
unset multiplot
set output
