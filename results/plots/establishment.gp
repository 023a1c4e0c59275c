# establishment.gp - connection establishment time against a swept key.
#
#   gnuplot -e "db='loss.db'; out='est.png'" results/plots/establishment.gp
#
# Variables (set them with -e before the script name):
#   db      results database (required)
#   out     PNG file to write (required)
#   key     params key the sweep varies (default run.topology)
#   kind    connections measured: active (default) or passive
#   xlabel  x-axis label (default: the loss axis of experiments/loss_sweep.ini
#           when key is run.topology, else the key)
#
# Only runs with status 'done' that have a params row for `key` count. A
# sweep point is one value of `key`; its x is that value read as a number
# after dropping any directory and a trailing ".topo" (so
# "../results/plots/loss/5.topo" is 5 and "200ms" is 200).
#
# For each point, over every connection of `kind` that reached ESTABLISHED
# in all its replications (v_establishment): the median, the 90th
# percentile (both nearest rank) and the mean, drawn as lines; each error
# bar spans the lowest to the highest value of the same statistic over the
# point's replications (runs). Times in milliseconds, log scale. Lost SYNs
# and SYN-ACKs cost whole retransmission timeouts, so median and p90 move
# in steps of the SYN RTO while the mean moves smoothly.
#
# Exits with an error (status 1) when the database cannot be opened or has
# no matching runs.

if (!exists("db") || !exists("out")) {
  exit error "set db and out, e.g. gnuplot -e \"db='results.db'; out='est.png'\" results/plots/establishment.gp"
}
if (!exists("key")) key = "run.topology"
if (!exists("kind")) kind = "active"
if (!exists("xlabel")) {
  xlabel = (key eq "run.topology") ? "access-link loss (%)  [run.topology = results/plots/loss/P.topo]" : key
}

sq = "sqlite3 -readonly -batch -nullvalue NaN -separator ' ' '" . db . "' "

# Sweep points and their runs: x is the value without directory and .topo.
pts = "WITH pt AS (SELECT r.run_id, replace(replace(p.value, rtrim(p.value, replace(p.value, '/', '')), ''), '.topo', '') AS x" . \
      " FROM runs r JOIN params p ON p.run_id = r.run_id AND p.key = '" . key . "' WHERE r.status = 'done')"

res = system(sq . "\"" . pts . " SELECT 'n=' || count(*) FROM pt;\" 2>&1")
if (res[1:2] ne "n=") {
  exit error sprintf("cannot read the database: %s", res)
}
nruns = int(res[3:])
if (nruns == 0) {
  exit error sprintf("no matching runs in %s: no done run has a params row '%s'", db, key)
}
nconn = int(system(sq . "\"" . pts . " SELECT count(*) FROM pt JOIN v_establishment e ON e.run_id = pt.run_id AND e.kind = '" . kind . "';\""))
if (nconn == 0) {
  exit error sprintf("%s: %d runs match, but no %s connection reached ESTABLISHED", db, nruns, kind)
}

# One row per point: x; the pooled median, then the lowest and highest
# per-run median; the same for the p90 and for the mean; the number of runs.
sql = pts . \
  ", e AS (SELECT pt.x, pt.run_id, e.establish_ns / 1e6 AS ms FROM pt JOIN v_establishment e ON e.run_id = pt.run_id AND e.kind = '" . kind . "')" . \
  ", rr AS (SELECT x, run_id, ms, row_number() OVER (PARTITION BY run_id ORDER BY ms) AS rn, count(*) OVER (PARTITION BY run_id) AS n FROM e)" . \
  ", rq AS (SELECT x, run_id, min(CASE WHEN rn >= 0.5 * n THEN ms END) AS med, min(CASE WHEN rn >= 0.9 * n THEN ms END) AS p90, avg(ms) AS mean FROM rr GROUP BY run_id)" . \
  ", pr AS (SELECT x, ms, row_number() OVER (PARTITION BY x ORDER BY ms) AS rn, count(*) OVER (PARTITION BY x) AS n FROM e)" . \
  ", pq AS (SELECT x, min(CASE WHEN rn >= 0.5 * n THEN ms END) AS med, min(CASE WHEN rn >= 0.9 * n THEN ms END) AS p90, avg(ms) AS mean FROM pr GROUP BY x)" . \
  " SELECT pq.x, pq.med, min(rq.med), max(rq.med), pq.p90, min(rq.p90), max(rq.p90), pq.mean, min(rq.mean), max(rq.mean), count(*)" . \
  " FROM pq JOIN rq ON rq.x = pq.x GROUP BY pq.x ORDER BY CAST(pq.x AS REAL);"

data = "< " . sq . "\"" . sql . "\""

set terminal pngcairo size 800,500 font ",10" noenhanced
set output out
set title sprintf("Connection establishment (%s connections, %d done runs)", kind, nruns)
set xlabel xlabel
set ylabel "establishment time (ms, log scale)"
set logscale y
set grid ytics mytics xtics
set key top left title "bars: lowest to highest run"
set autoscale xfix
set offsets graph 0.03, graph 0.03, 0, 0
plot data using 1:5:6:7 with yerrorlines lw 2 pt 7 lc rgb "#d62728" title "p90", \
     data using 1:8:9:10 with yerrorlines lw 2 pt 9 lc rgb "#2ca02c" title "mean", \
     data using 1:2:3:4 with yerrorlines lw 2 pt 5 lc rgb "#1f77b4" title "median"
set output
