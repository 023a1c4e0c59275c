# handshake_loss.gp - connects that fail, and when the others are
# established, against loss on the client's link, for the linux and bsd
# profiles (experiments/handshake_loss.ini; experiments/README.md,
# "5. Handshake loss").
#
#   gnuplot -e "db='hl.db'; out='hl.png'" results/plots/handshake_loss.gp
#
# Variables (set them with -e before the script name):
#   db      results database (required)
#   out     PNG file to write (required)
#   loss    loss in percent of the right panel (default: the largest swept)
#
# Left: the connects that failed (ETIMEDOUT), in percent of the connects
# of each point, with their 95% Wilson interval, against the model's
# probability (a line) and the textbook's (1-(1-p)^2)^(n+1), which counts
# each SYN and its one SYN-ACK as an attempt (dashed). Right: at one
# loss, the share of connects established by each time (measured, as
# steps) against the model (points), log time axis: the steps are the
# instants of the SYN and SYN-ACK schedules plus one round trip.
#
# The data and the model come from results/queries/handshake_loss_plot.sql
# (next to this script, in ../queries/). Only runs with status 'done' and
# a params row 'fault.lossy.params' (the swept loss) count. Exits with an
# error (status 1) when the database cannot be opened or has no matching
# runs.

if (!exists("db") || !exists("out")) {
  exit error "set db and out, e.g. gnuplot -e \"db='hl.db'; out='hl.png'\" results/plots/handshake_loss.gp"
}

sq = "sqlite3 -readonly -batch -nullvalue NaN -separator ' ' '" . db . "' "
# The query file reads handshake_loss.sql beside it (`.read` takes paths
# from the current folder), so sqlite3 runs in results/queries with the
# database's absolute path.
qdir = system("cd \"$(dirname '" . ARG0 . "')/../queries\" && pwd")
sqlfile = qdir . "/handshake_loss_plot.sql"
dbabs = system("realpath -- '" . db . "' 2>/dev/null")

res = system(sq . "\"SELECT 'n=' || count(*) FROM runs r JOIN params p ON p.run_id = r.run_id AND p.key = 'fault.lossy.params' WHERE r.status = 'done';\" 2>&1")
if (res[1:2] ne "n=") {
  exit error sprintf("cannot read the database: %s", res)
}
nruns = int(res[3:])
if (nruns == 0) {
  exit error sprintf("no matching runs in %s: no done run has a params row 'fault.lossy.params' (experiments/handshake_loss.ini)", db)
}

data = system("cd '" . qdir . "' && sqlite3 -readonly -batch -nullvalue NaN -separator ' ' '" . dbabs . "' < handshake_loss_plot.sql 2>&1")
if (data[1:4] ne "cdf " && data[1:5] ne "fail ") {
  exit error sprintf("%s: the query %s failed: %s", db, sqlfile, data)
}
set print $D
print data
unset print

if (!exists("loss")) {
  stats $D using (strcol(1) eq "fail" ? $3 : NaN) nooutput
  loss = STATS_max
}

set terminal pngcairo size 1100,480 font ",10" noenhanced
set output out
set multiplot layout 1,2 title sprintf("Handshake loss on the client's link (%d done runs)", nruns)

# column c of the rows of one panel and profile, NaN elsewhere
f(p, c) = (strcol(1) eq "fail" && strcol(2) eq p) ? column(c) : NaN
c(p, c) = (strcol(1) eq "cdf" && strcol(2) eq p && abs($3 - loss) < 1e-9) ? column(c) : NaN

set title "connects that fail"
set xlabel "loss on the client's link, each direction (%)"
set ylabel "connects failed (%)"
set grid
set key top left
set autoscale xfix
set offsets 1, 1, 0, 0
set yrange [0:*]
plot $D using (f("bsd", 3)):(f("bsd", 4)):(f("bsd", 5)):(f("bsd", 6)) with yerrorbars pt 7 lc rgb "#d62728" title "bsd measured (95%)", \
     $D using (f("bsd", 3)):(f("bsd", 7)) with lines lw 2 lc rgb "#d62728" title "bsd model", \
     $D using (f("bsd", 3)):(f("bsd", 8)) with lines lw 1 dt 2 lc rgb "#d62728" title "bsd textbook (1-(1-p)^2)^3", \
     $D using (f("linux", 3)):(f("linux", 4)):(f("linux", 5)):(f("linux", 6)) with yerrorbars pt 5 lc rgb "#1f77b4" title "linux measured (95%)", \
     $D using (f("linux", 3)):(f("linux", 7)) with lines lw 2 lc rgb "#1f77b4" title "linux model"

set title sprintf("established by time t, at %g%% loss", loss)
set xlabel "time after connect (s, log scale)"
set ylabel "connects established (%)"
set logscale x
set xrange [0.005:200]
set yrange [*:100.5]
set offsets 0, 0, 0, 0
set key center right
plot $D using (c("linux", 4)):(c("linux", 5)) with steps lw 2 lc rgb "#1f77b4" title "linux measured", \
     $D using (c("linux", 4)):(c("linux", 6)) with points pt 5 lc rgb "#1f77b4" title "linux model", \
     $D using (c("bsd", 4)):(c("bsd", 5)) with steps lw 2 lc rgb "#d62728" title "bsd measured", \
     $D using (c("bsd", 4)):(c("bsd", 6)) with points pt 7 lc rgb "#d62728" title "bsd model"
unset multiplot
set output
