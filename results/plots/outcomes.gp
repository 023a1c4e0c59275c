# outcomes.gp - connection outcomes (ok, still open, or the error the
# application saw) at each point of a sweep, as stacked percentage bars.
#
#   gnuplot -e "db='loss.db'; out='outcomes.png'" results/plots/outcomes.gp
#
# Variables (set them with -e before the script name):
#   db      results database (required)
#   out     PNG file to write (required)
#   key     params key the sweep varies (default run.topology)
#   kind    connections counted: active (default), passive or all
#           (all = every kind but listeners, as v_conn_outcomes counts)
#   ymin    bottom of the y axis in percent (default 0; e.g. 80 to magnify
#           rare failures)
#   xlabel  x-axis label (default: the loss axis of experiments/loss_sweep.ini
#           when key is run.topology, else the key)
#
# Only runs with status 'done' that have a params row for `key` count. A
# sweep point is one value of `key`, labelled with that value without any
# directory and trailing ".topo", in the order of the values as numbers.
# The outcome of a connection is the one v_conn_outcomes uses: `ok` for a
# clean close, else its error (ECONNRESET, ETIMEDOUT...), and `open` when it
# was still alive at the end of the run (the view also names its state:
# one bar segment here for all of them). Each bar is 100% of the point's
# connections of `kind`, all replications together; the title of each
# colour gives the count.
#
# Exits with an error (status 1) when the database cannot be opened or has
# no matching runs.

if (!exists("db") || !exists("out")) {
  exit error "set db and out, e.g. gnuplot -e \"db='results.db'; out='outcomes.png'\" results/plots/outcomes.gp"
}
if (!exists("key")) key = "run.topology"
if (!exists("kind")) kind = "active"
if (!exists("ymin")) ymin = 0
if (!exists("xlabel")) {
  xlabel = (key eq "run.topology") ? "access-link loss (%)  [run.topology = results/plots/loss/P.topo]" : key
}

sq = "sqlite3 -readonly -batch -nullvalue NaN -separator ' ' '" . db . "' "
kindcond = (kind eq "all") ? "c.kind <> 'listener'" : "c.kind = '" . kind . "'"

# The connections of the matching runs, with their point and outcome.
cn = "WITH pt AS (SELECT r.run_id, replace(replace(p.value, rtrim(p.value, replace(p.value, '/', '')), ''), '.topo', '') AS x" . \
     " FROM runs r JOIN params p ON p.run_id = r.run_id AND p.key = '" . key . "' WHERE r.status = 'done')" . \
     ", cn AS (SELECT pt.x, CASE WHEN c.closed_ns IS NULL THEN 'open' WHEN c.error IS NULL THEN 'ok' ELSE c.error END AS outcome" . \
     " FROM pt JOIN connections c ON c.run_id = pt.run_id AND " . kindcond . ")"

res = system(sq . "\"WITH pt AS (SELECT r.run_id FROM runs r JOIN params p ON p.run_id = r.run_id AND p.key = '" . key . "' WHERE r.status = 'done') SELECT 'n=' || count(*) FROM pt;\" 2>&1")
if (res[1:2] ne "n=") {
  exit error sprintf("cannot read the database: %s", res)
}
nruns = int(res[3:])
if (nruns == 0) {
  exit error sprintf("no matching runs in %s: no done run has a params row '%s'", db, key)
}

# Outcomes present, ok first, open last, errors in between by name; with
# their totals for the key.
outcomes = system(sq . "\"" . cn . " SELECT outcome FROM cn GROUP BY outcome ORDER BY outcome = 'open', outcome <> 'ok', outcome;\"")
totals = system(sq . "\"" . cn . " SELECT count(*) FROM cn GROUP BY outcome ORDER BY outcome = 'open', outcome <> 'ok', outcome;\"")
nout = words(outcomes)
if (nout == 0) {
  exit error sprintf("%s: %d runs match, but they hold no %s connection", db, nruns, kind)
}

# One row per point: its label, then the percentage of each outcome in the
# order above, then the number of connections.
cols = ""
do for [i = 1:nout] {
  cols = cols . sprintf(", 100.0 * sum(outcome = '%s') / count(*)", word(outcomes, i))
}
sql = cn . " SELECT x" . cols . ", count(*) FROM cn GROUP BY x ORDER BY CAST(x AS REAL), x;"
data = "< " . sq . "\"" . sql . "\""

# ok green, open grey, errors in warm colours.
errcol(i) = word("#d62728 #ff7f0e #9467bd #8c564b #e377c2 #bcbd22 #17becf #1f77b4", (i - 1) % 8 + 1)
colour(i) = (word(outcomes, i) eq "ok") ? "#2ca02c" : (word(outcomes, i) eq "open") ? "#7f7f7f" : errcol(i)

set terminal pngcairo size 800,500 font ",10" noenhanced
set output out
set title sprintf("Connection outcomes (%s connections, %d done runs, all replications per point)", kind, nruns)
set xlabel xlabel
set ylabel "% of connections"
set yrange [ymin:100]
set style data histograms
set style histogram rowstacked
set style fill solid 0.9 border rgb "#404040"
set boxwidth 0.7
set grid ytics
set key outside right top
plot for [i = 1:nout] data using (column(i + 1)):xtic(1) lc rgb colour(i) \
     title sprintf("%s (%s)", word(outcomes, i), word(totals, i))
set output
