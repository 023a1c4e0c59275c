# half_open_reboot.gp - seed experiment 2(a): how long a client with an
# idle connection takes to learn that the server rebooted, against the time
# it next sends (experiments/half_open_reboot.ini).
#
#   gnuplot -e "db='half_open.db'; out='reboot.png'" results/plots/half_open_reboot.gp
#
# Variables (set them with -e before the script name):
#   db      results database (required)
#   out     PNG file to write (required)
#
# Runs that count: status 'done' with a params row 'fault.reboot.delay'
# (the server's downtime; one series per run). Each point is one
# connection of the timeline that sent once: x the time of its send, y the
# time from the send to the error that ended it (log scale), RST
# (ECONNRESET) and retransmissions exhausted (ETIMEDOUT) drawn apart.
# Connections that never ended (the send before the crash) are left out.
#
# Exits with an error (status 1) when the database cannot be opened or has
# no matching runs.

if (!exists("db") || !exists("out")) {
  exit error "set db and out, e.g. gnuplot -e \"db='half_open.db'; out='reboot.png'\" results/plots/half_open_reboot.gp"
}

sq = "sqlite3 -readonly -batch -nullvalue NaN -separator ' ' '" . db . "' "
pts = "SELECT r.run_id FROM runs r JOIN params p ON p.run_id = r.run_id AND p.key = 'fault.reboot.delay' WHERE r.status = 'done'"

res = system(sq . "\"SELECT 'n=' || count(*) FROM (" . pts . ");\" 2>&1")
if (res[1:2] ne "n=") {
  exit error sprintf("cannot read the database: %s", res)
}
if (int(res[3:]) == 0) {
  exit error sprintf("no matching runs in %s: no done run has a params row 'fault.reboot.delay' (experiments/half_open_reboot.ini)", db)
}
runs = system(sq . "\"" . pts . " ORDER BY r.run_id;\"")
downs = system(sq . "\"SELECT p.value FROM (" . pts . ") r JOIN params p ON p.run_id = r.run_id AND p.key = 'fault.reboot.delay' ORDER BY r.run_id;\"")
boots = system(sq . "\"SELECT (SELECT min(t_ns) FROM host_events h WHERE h.run_id = r.run_id AND h.event = 'boot') / 1e9 FROM (" . pts . ") r ORDER BY r.run_id;\"")
n = words(runs)

rows(run, err) = "< " . sq . "\"SELECT a.t_ns / 1e9, (c.closed_ns - a.t_ns) / 1e9 FROM app_events a JOIN connections c ON c.run_id = a.run_id AND c.node = a.node AND c.conn_id = a.conn_id WHERE a.run_id = " . run . " AND a.what = 'send' AND c.error = '" . err . "' ORDER BY a.t_ns;\""

colour(i) = word("#1f77b4 #d62728 #2ca02c #9467bd #ff7f0e #8c564b", (i - 1) % 6 + 1)

set terminal pngcairo size 800,500 font ",10" noenhanced
set output out
set title sprintf("Half-open after a server reboot: time to the error after the next send (%d runs)", n)
set xlabel "time of the client's send (s; the server powers off at 10 s)"
set ylabel "send to error (s, log scale)"
set logscale y
set grid xtics ytics mytics
set key center right
set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05
do for [i = 1:n] {
  set arrow i from first (word(boots, i) + 0), graph 0 to first (word(boots, i) + 0), graph 1 nohead dt 2 lc rgb colour(i)
}
plot for [i = 1:n] rows(word(runs, i), "ECONNRESET") using 1:2 with points pt 7 ps 1.5 lc rgb colour(i) \
       title sprintf("downtime %s: RST (ECONNRESET); dashed: boot", word(downs, i)), \
     for [i = 1:n] rows(word(runs, i), "ETIMEDOUT") using 1:2 with points pt 9 ps 1.8 lc rgb colour(i) \
       title sprintf("downtime %s: retransmissions exhausted (ETIMEDOUT)", word(downs, i))
set output
