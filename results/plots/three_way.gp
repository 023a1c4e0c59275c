# three_way.gp - seed experiment 4: why three segments
# (experiments/three_way.ini; experiments/README.md, "Seed experiments").
#
#   gnuplot -e "db='three.db'; out='three.png'" results/plots/three_way.gp
#
# Variables (set them with -e before the script name):
#   db      results database (required)
#   out     PNG file to write (required, 800x500)
#
# Runs that count: status 'done' with a params row
# 'tcp.two_way_handshake' (off: the three-way handshake, on: two-way).
#
# Left: per run, old duplicate SYNs that reached the server (their client
# connection had ended) and the server connections they made that
# reached ESTABLISHED (phantoms), one bar each, per handshake.
# Right: per run, the server connection-seconds the phantoms held
# (ESTABLISHED to closed, or to the end of the run), and the seconds the
# old SYNs' half-open entries lived (SYN_RCVD, never handed to the
# application). The bars are means over the replications; the error bars
# span the lowest to the highest run.
#
# Exits with an error (status 1) when the database cannot be opened or has
# no matching runs.

if (!exists("db") || !exists("out")) {
  exit error "set db and out, e.g. gnuplot -e \"db='three.db'; out='three.png'\" results/plots/three_way.gp"
}

sq = "sqlite3 -readonly -batch -nullvalue NaN -separator ' ' '" . db . "' "
pt = "WITH pt AS (SELECT r.run_id, CASE p.value WHEN 'off' THEN 'three-way' ELSE 'two-way' END AS hs," . \
     " (SELECT max(t_ns) FROM samples s WHERE s.run_id = r.run_id) AS end_ns" . \
     " FROM runs r JOIN params p ON p.run_id = r.run_id AND p.key = 'tcp.two_way_handshake' WHERE r.status = 'done')"

res = system(sq . "\"" . pt . " SELECT 'n=' || count(*) FROM pt;\" 2>&1")
if (res[1:2] ne "n=") {
  exit error sprintf("cannot read the database: %s", res)
}
nruns = int(res[3:])
if (nruns == 0) {
  exit error sprintf("no matching runs in %s: no done run has a params row 'tcp.two_way_handshake' (experiments/three_way.ini)", db)
}

# per run: handshake, old SYNs, phantoms, phantom conn-seconds, half-open seconds
per = pt . ", old AS MATERIALIZED (SELECT run_id, node, conn_id FROM app_events WHERE what = 'stale_accepted' AND detail LIKE 'S %' AND detail LIKE '%sender gone')" . \
      ", c AS (SELECT pt.run_id, pt.hs, c.established_ns, coalesce(c.closed_ns, pt.end_ns) AS end_ns, c.opened_ns FROM pt JOIN old o ON o.run_id = pt.run_id JOIN connections c ON c.run_id = o.run_id AND c.node = o.node AND c.conn_id = o.conn_id)" . \
      ", pr AS (SELECT pt.run_id, pt.hs, (SELECT count(*) FROM c WHERE c.run_id = pt.run_id) AS syns," . \
      " (SELECT count(*) FROM c WHERE c.run_id = pt.run_id AND established_ns IS NOT NULL) AS ph," . \
      " (SELECT total(end_ns - established_ns) / 1e9 FROM c WHERE c.run_id = pt.run_id AND established_ns IS NOT NULL) AS ph_s," . \
      " (SELECT total(end_ns - opened_ns) / 1e9 FROM c WHERE c.run_id = pt.run_id AND established_ns IS NULL) AS ho_s FROM pt)"
data = "< " . sq . "\"" . per . " SELECT hs, avg(syns), min(syns), max(syns), avg(ph), min(ph), max(ph), avg(ph_s), min(ph_s), max(ph_s), avg(ho_s), min(ho_s), max(ho_s) FROM pr GROUP BY hs ORDER BY hs DESC;\""

set terminal pngcairo size 800,500 font ",10" noenhanced
set output out
set multiplot layout 1,2 title sprintf("Old duplicate SYNs: three-way against two-way handshake (%d done runs)", nruns)
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set key top left

set title "per run"
set ylabel "count"
plot data using 2:3:4:xtic(1) lc rgb "#7f7f7f" title "old SYNs at the server", \
     '' using 5:6:7 lc rgb "#d62728" title "phantoms (ESTABLISHED)"

set title "per run"
set ylabel "server seconds"
plot data using 8:9:10:xtic(1) lc rgb "#d62728" title "phantom connection-seconds", \
     '' using 11:12:13 lc rgb "#1f77b4" title "half-open entry-seconds"
unset multiplot
set output
