# port_exhaustion.gp - seed experiment 3(b): ephemeral ports exhausted by
# TIME_WAIT (experiments/port_exhaustion.ini, its remedies as in the
# write-up, in one database).
#
#   gnuplot -e "db='ports.db'; out='ports.png'" results/plots/port_exhaustion.gp
#
# Variables (set them with -e before the script name):
#   db      results database (required)
#   out     PNG file to write (required, 800x900)
#
# Runs that count: status 'done' with params rows 'workload.client.rate',
# 'workload.client.close' and 'tcp.msl'. Each is a variant: baseline (the
# client closes first, msl 30 s), msl=X, server-close (the server closes
# first; "tw_reuse_syn off" when set so), persistent (close = keep).
#
# Top: connects refused with EADDRNOTAVAIL, percent of the connects,
# against the rate, one line per variant; the dashed line is the critical
# rate R / TIME_WAIT of the baseline (R ephemeral ports, TIME_WAIT measured).
# Bottom: connections in TIME_WAIT over time, on the client for every
# baseline run (solid) and on the server for every server-close run with
# tw_reuse_syn on (dashed), from the transitions at each sampling instant.
#
# Exits with an error (status 1) when the database cannot be opened or has
# no matching runs.

if (!exists("db") || !exists("out")) {
  exit error "set db and out, e.g. gnuplot -e \"db='ports.db'; out='ports.png'\" results/plots/port_exhaustion.gp"
}

sq = "sqlite3 -readonly -batch -nullvalue NaN -separator ' ' '" . db . "' "
pv(k) = "(SELECT value FROM params q WHERE q.run_id = r.run_id AND q.key = '" . k . "')"
pt = "WITH pt AS (SELECT r.run_id, CAST(substr(" . pv("workload.client.rate") . ", 1, instr(" . pv("workload.client.rate") . ", '/') - 1) AS REAL) AS rate," . \
     " CASE WHEN " . pv("workload.client.close") . " = 'keep' THEN 'persistent'" . \
     " WHEN " . pv("workload.client.close") . " = 'server_first' THEN 'server-close' || CASE WHEN coalesce(" . pv("tcp.tw_reuse_syn") . ", 'on') = 'off' THEN '(tw_reuse_syn_off)' ELSE '' END" . \
     " WHEN " . pv("tcp.msl") . " <> '30s' THEN 'msl=' || " . pv("tcp.msl") . " ELSE 'baseline' END AS variant" . \
     " FROM runs r WHERE r.status = 'done' AND " . pv("workload.client.rate") . " IS NOT NULL AND " . pv("workload.client.close") . " IS NOT NULL AND " . pv("tcp.msl") . " IS NOT NULL)"

res = system(sq . "\"" . pt . " SELECT 'n=' || count(*) FROM pt;\" 2>&1")
if (res[1:2] ne "n=") {
  exit error sprintf("cannot read the database: %s", res)
}
nruns = int(res[3:])
if (nruns == 0) {
  exit error sprintf("no matching runs in %s: no done run has params rows 'workload.client.rate', 'workload.client.close' and 'tcp.msl' (experiments/port_exhaustion.ini)", db)
}
variants = system(sq . "\"" . pt . " SELECT variant FROM pt GROUP BY variant ORDER BY variant <> 'baseline', variant;\"")
nv = words(variants)
# the critical rate R / TIME_WAIT of the baseline runs (0 without them)
crit = real(system(sq . "\"" . pt . ", tw AS (SELECT e.run_id, avg(x.t_ns - e.t_ns) / 1e9 AS tw_s FROM transitions e JOIN transitions x ON x.run_id = e.run_id AND x.conn_id = e.conn_id AND x.from_state = 'TIME_WAIT' AND x.cause = '2MSL timeout' WHERE e.to_state = 'TIME_WAIT' AND e.run_id = (SELECT min(run_id) FROM pt WHERE variant = 'baseline') GROUP BY e.run_id) SELECT coalesce(max((CAST((SELECT value FROM params WHERE run_id = tw.run_id AND key = 'tcp.port_hi') AS REAL) - CAST((SELECT value FROM params WHERE run_id = tw.run_id AND key = 'tcp.port_lo') AS REAL) + 1) / tw.tw_s), 0) FROM tw;\""))

fails(v) = "< " . sq . "\"" . pt . ", ev AS (SELECT run_id, sum(what = 'connect') AS n, sum(what = 'failed' AND detail = 'EADDRNOTAVAIL') AS f FROM app_events WHERE run_id IN (SELECT run_id FROM pt) GROUP BY run_id) SELECT pt.rate, 100.0 * sum(ev.f) / sum(ev.n) FROM pt JOIN ev USING (run_id) WHERE pt.variant = '" . v . "' GROUP BY pt.rate ORDER BY pt.rate;\""

twruns(v) = system(sq . "\"" . pt . " SELECT run_id FROM pt WHERE variant = '" . v . "' ORDER BY rate, run_id;\"")
twrates(v) = system(sq . "\"" . pt . " SELECT rate FROM pt WHERE variant = '" . v . "' ORDER BY rate, run_id;\"")
base_runs = twruns("baseline")
base_rates = twrates("baseline")
srv_runs = twruns("server-close")
srv_rates = twrates("server-close")

# (seconds, TIME_WAIT count) on host `h` of run `run`, at each sampling instant
tw(run, h) = "< " . sq . "\"WITH d AS (SELECT t_ns, idx, CASE WHEN to_state = 'TIME_WAIT' THEN 1 ELSE -1 END AS d FROM transitions t JOIN hosts h USING (run_id, node) WHERE run_id = " . run . " AND h.name = '" . h . "' AND (to_state = 'TIME_WAIT') <> (from_state = 'TIME_WAIT') UNION ALL SELECT t_ns, 9223372036854775807, NULL FROM samples WHERE run_id = " . run . " AND name = 'conns.TIME_WAIT'), n AS (SELECT t_ns, d, sum(coalesce(d, 0)) OVER (ORDER BY t_ns, idx ROWS UNBOUNDED PRECEDING) AS n FROM d) SELECT t_ns / 1e9, n FROM n WHERE d IS NULL ORDER BY t_ns;\""

colour(i) = word("#1f77b4 #d62728 #2ca02c #9467bd #ff7f0e #8c564b #e377c2 #17becf", (i - 1) % 8 + 1)

set terminal pngcairo size 800,900 font ",10" noenhanced
set output out
set multiplot layout 2,1 title sprintf("Ephemeral ports and TIME_WAIT (%d done runs)", nruns)

set title "connects refused with EADDRNOTAVAIL"
set xlabel "connection rate r (1/s)"
set ylabel "refused (% of connects)"
set yrange [0:100]
set grid xtics ytics
set key top left
set offsets graph 0.03, graph 0.03, 0, 0
if (crit > 0) {
  set arrow 1 from first crit, graph 0 to first crit, graph 1 nohead dt 2 lc rgb "#555555"
  set label 1 sprintf(" R / TIME_WAIT = %.3g/s", crit) at first crit, graph 0.55 left
}
plot for [i = 1:nv] fails(word(variants, i)) using 1:2 with linespoints lw 2 pt 7 lc rgb colour(i) title word(variants, i)
unset arrow 1
unset label 1

set title "connections in TIME_WAIT (solid: client, baseline; dashed: server, server-close)"
set xlabel "time (s)"
set ylabel "TIME_WAIT"
set yrange [0:*]
set offsets 0, 0, graph 0.05, 0
set key outside right top
plot for [i = 1:words(base_runs)] tw(word(base_runs, i), "client") using 1:2 with lines lw 2 lc rgb colour(i) \
       title sprintf("client, %s/s", word(base_rates, i)), \
     for [i = 1:words(srv_runs)] tw(word(srv_runs, i), "server") using 1:2 with lines lw 2 dt 2 lc rgb colour(i) \
       title sprintf("server, %s/s", word(srv_rates, i))
unset multiplot
set output
