# close_leaks.gp - the server's CLOSE_WAIT and the client's FIN_WAIT_2
# connections over time, when the server application never closes
# (experiments/close_leaks.ini; experiments/README.md, "6. FIN_WAIT_2
# and CLOSE_WAIT leaks").
#
#   gnuplot -e "db='cl.db'; out='cl.png'" results/plots/close_leaks.gp
#
# Variables (set them with -e before the script name):
#   db      results database (required)
#   out     PNG file to write (required)
#
# One line per state and per value of tcp.fin_wait2 (the FIN_WAIT_2
# timeout, `0` for none), each the mean over that value's runs of the
# conns.<STATE> samples (v_states_over_time). CLOSE_WAIT is drawn for
# every value: the lines coincide, since the client's timer does nothing
# for the server. Dotted: rate x timeout, Little's law for the level of
# FIN_WAIT_2 while connections arrive (rate from workload.client.rate).
#
# Only runs with status 'done' and a params row 'tcp.fin_wait2' count.
# Exits with an error (status 1) when the database cannot be opened or
# has no matching runs.

if (!exists("db") || !exists("out")) {
  exit error "set db and out, e.g. gnuplot -e \"db='cl.db'; out='cl.png'\" results/plots/close_leaks.gp"
}

sq = "sqlite3 -readonly -batch -nullvalue NaN -separator ' ' '" . db . "' "
pts = "WITH pt AS (SELECT r.run_id, f.value AS v, CAST(rtrim(w.value, '/s') AS REAL) AS rate FROM runs r" . \
      " JOIN params f ON f.run_id = r.run_id AND f.key = 'tcp.fin_wait2'" . \
      " LEFT JOIN params w ON w.run_id = r.run_id AND w.key = 'workload.client.rate'" . \
      " WHERE r.status = 'done')"

res = system(sq . "\"" . pts . " SELECT 'n=' || count(*) FROM pt;\" 2>&1")
if (res[1:2] ne "n=") {
  exit error sprintf("cannot read the database: %s", res)
}
nruns = int(res[3:])
if (nruns == 0) {
  exit error sprintf("no matching runs in %s: no done run has a params row 'tcp.fin_wait2' (experiments/close_leaks.ini)", db)
}

# The timeout values (as written, e.g. 0 30s 60s), in increasing order,
# and the connection rate of the client.
vals = system(sq . "\"" . pts . " SELECT DISTINCT v FROM pt ORDER BY CAST(rtrim(v, 's') AS REAL);\"")
rate = real(system(sq . "\"" . pts . " SELECT coalesce(max(rate), 0) FROM pt;\""))

# One row per value and sample: value, time (s), mean CLOSE_WAIT, mean
# FIN_WAIT_2.
sql = pts . \
  ", s AS (SELECT pt.v, v.t_ns, v.run_id, sum(CASE WHEN v.state = 'CLOSE_WAIT' THEN v.count END) AS cw," . \
  " sum(CASE WHEN v.state = 'FIN_WAIT_2' THEN v.count END) AS fw FROM pt JOIN v_states_over_time v ON v.run_id = pt.run_id" . \
  " WHERE v.state IN ('CLOSE_WAIT', 'FIN_WAIT_2') GROUP BY 1, 2, 3)" . \
  " SELECT v, t_ns / 1e9, avg(cw), avg(fw) FROM s GROUP BY v, t_ns ORDER BY CAST(rtrim(v, 's') AS REAL), t_ns;"
set print $D
print system(sq . "\"" . sql . "\"")
unset print

secs(v) = real(v[1:strlen(v) - (v[strlen(v):strlen(v)] eq "s" ? 1 : 0)])
name(v) = (secs(v) == 0) ? "no timer" : sprintf("fin_wait2 %s", v)
sel(v, c) = (strcol(1) eq v) ? column(c) : NaN

set terminal pngcairo size 800,500 font ",10" noenhanced
set output out
set title sprintf("Server never closes: CLOSE_WAIT (server) and FIN_WAIT_2 (client), %d done runs", nruns)
set xlabel "time (s)"
set ylabel "connections"
set grid
set key top left
set yrange [0:*]
plot for [i = 1:words(vals)] $D using 2:(sel(word(vals, i), 3)) with lines lw 3 dt 1 lc i title "CLOSE_WAIT, " . name(word(vals, i)), \
     for [i = 1:words(vals)] $D using 2:(sel(word(vals, i), 4)) with lines lw 1.5 dt 2 lc i title "FIN_WAIT_2, " . name(word(vals, i)), \
     for [i = 1:words(vals)] (secs(word(vals, i)) > 0 ? rate * secs(word(vals, i)) : NaN) with lines lw 1 dt 3 lc i title (secs(word(vals, i)) > 0 ? sprintf("rate x %s = %g", word(vals, i), rate * secs(word(vals, i))) : "")
set output
