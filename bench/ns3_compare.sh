#!/usr/bin/env bash
# ns3_compare.sh - tcpsim against ns-3.37 on the same workload, on the same
# machine, in one sitting: the connection-churn star and the SYN-flood
# ladder of the ns-3 reference workload (NS3_DIR, default
# ../shared/bench/ns3 beside the repository: README.md there defines it;
# bench/ns3/README.md here says how tcpsim reproduces it).
#
# Dependency (bench only, not in scripts/install-deps.sh): Debian's ns-3.37
# headers and libraries and GNU time. When libns3-dev is missing the script
# runs `apt-get install -y libns3-dev time` (as root, or through sudo).
# The two ns-3 programs (churn.cc, synflood.cc) are compiled with the
# command of NS3_DIR/run.sh into NS3_BUILD (default
# ${TMPDIR:-/tmp}/tcpsim-ns3-build), again whenever a source is newer.
#
# What runs (each process under /usr/bin/time -v):
#   churn, the "uncongested" ladder: N clients in a star, each opening
#     M = 10 connections one after another, 1000 ms apart;
#     ns-3: churn --clients=N --conns=10 --think=1000
#     tcpsim: bench/ns3/gen.sh churn DIR N 10 1000, then tcpsim run
#   synflood: 100 legitimate clients x 100 connections, think 10 ms,
#     10 attackers x 1000 spoofed SYN/s from 0 for D s;
#     ns-3: synflood --clients=100 --conns=100 --attackers=10
#           --attackRate=1000 --attackDuration=D
#     tcpsim: bench/ns3/gen.sh synflood DIR 100 100 10 10 1000 D HALFOPEN,
#     once per HALFOPEN (queue: the SYN queue; cache: the SYN cache);
#     the D of SYN_EXTRA run for tcpsim only (ns-3 takes 373 s at D = 2).
#
# Printed per point (medians over the repetitions): wall time of the whole
# process (fork to exit, setup and database included), simulated
# connections per wall second (connections completed / that wall time),
# peak RSS (time -v "Maximum resident set size") and the tcpsim/ns-3
# ratios; also ns-3's own Simulator::Run() time, tcpsim's simulation loop
# (runs.wall_ns) and the size of tcpsim's database. For the flood: spoofed
# SYNs sent, the peak of half-open connections (tcpsim: from the
# connections table; ns-3: its peak server socket count, sampled every
# 0.5 s, listener and open connections included) and the extra wall time
# per 1000 spoofed SYNs over D = 0, which stays flat when the cost is
# linear in the flood. Both simulators must complete the same number of
# connections with none failed; the script says so, or exits 1.
#
# Usage (from anywhere; never run by ctest or CI):
#   bench/ns3_compare.sh
# Environment:
#   TCPSIM         tcpsim binary (default build/tcpsim; build first)
#   NS3_DIR        the ns-3 workload (default ../shared/bench/ns3)
#   NS3_BUILD      where its programs are built
#   CLIENTS        churn sizes (default "10 100 1000 10000")
#   SYN_DURATIONS  flood durations for both (default "0 0.25 0.5 1")
#   SYN_EXTRA      flood durations for tcpsim only (default "2 4 8")
#   HALFOPEN       tcpsim half-open stores for the flood (default "queue cache")
#   REPS           tcpsim repetitions per point (default 3)
#   NS3_REPS       ns-3 repetitions per point (default 3), except
#   NS3_SLOW_REPS  for the slow points, N >= 10000 and D >= 1 (default 1)
#   LADDERS        "churn synflood" (default both)
#   TRACE          tcpsim trace level (default summary)
#   WORK           scratch directory (default: a fresh one under TMPDIR, removed)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tcpsim=${TCPSIM:-$root/build/tcpsim}
case $tcpsim in /*) ;; *) tcpsim=$PWD/$tcpsim ;; esac
ns3_dir=${NS3_DIR:-$root/../shared/bench/ns3}
ns3_build=${NS3_BUILD:-${TMPDIR:-/tmp}/tcpsim-ns3-build}
clients=${CLIENTS:-"10 100 1000 10000"}
syn_durations=${SYN_DURATIONS:-"0 0.25 0.5 1"}
syn_extra=${SYN_EXTRA-"2 4 8"}
halfopen=${HALFOPEN:-"queue cache"}
reps=${REPS:-3}
ns3_reps=${NS3_REPS:-3}
ns3_slow_reps=${NS3_SLOW_REPS:-1}
ladders=${LADDERS:-"churn synflood"}
export TRACE=${TRACE:-summary}
gen=$root/bench/ns3/gen.sh

die() { echo "ns3_compare: $*" >&2; exit 2; }
[ -x "$tcpsim" ] || die "$tcpsim not found (./dev build, or set TCPSIM)"
[ -f "$ns3_dir/churn.cc" ] || die "no ns-3 workload in $ns3_dir (set NS3_DIR)"
command -v sqlite3 >/dev/null || die "needs the sqlite3 shell (scripts/install-deps.sh)"

# --- ns-3: install, build ----------------------------------------------------
if ! dpkg-query -W -f='${Status}' libns3-dev 2>/dev/null | grep -q 'ok installed' ||
   [ ! -x /usr/bin/time ]; then
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "ns3_compare: installing libns3-dev and time (bench-only dependency)"
  $sudo apt-get install -y libns3-dev time >&2 ||
    { $sudo apt-get update >&2 && $sudo apt-get install -y libns3-dev time >&2; }
fi
mkdir -p "$ns3_build"
for p in churn synflood; do
  if [ ! -x "$ns3_build/$p" ] || [ "$ns3_dir/$p.cc" -nt "$ns3_build/$p" ] ||
     [ "$ns3_dir/common.h" -nt "$ns3_build/$p" ]; then
    echo "+ g++ -std=c++17 -O2 -o $ns3_build/$p $p.cc -lns3-..." >&2
    g++ -std=c++17 -O2 -o "$ns3_build/$p" "$ns3_dir/$p.cc" \
      -lns3-point-to-point -lns3-internet -lns3-traffic-control -lns3-network -lns3-core
  fi
done

if [ -n "${WORK:-}" ]; then
  work=$WORK; mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/ns3_compare.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

now_ns() { date +%s%N; }
median() { sort -g | awk '{v[NR] = $1} END {if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
kv() { tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2; exit}'; }
rss_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$1"; }

# Each run appends one line "POINT key=value ..." to $work/results.
res=$work/results
: > "$res"

# run_ns3 POINT PROG ARGS...
run_ns3() {
  local point=$1 prog=$2; shift 2
  local tv=$work/tv t0 t1 out rc=0
  t0=$(now_ns)
  out=$(/usr/bin/time -v -o "$tv" "$ns3_build/$prog" "$@" 2>/dev/null) || rc=$?
  t1=$(now_ns)
  local line; line=$(echo "$out" | grep '^RESULT' || true)
  [ -n "$line" ] || die "ns-3 $prog $* gave no RESULT line (exit $rc)"
  echo "$point sim=ns3 rc=$rc wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}') \
rss=$(rss_mb "$tv") ok=$(echo "$line" | kv connections_ok) failed=$(echo "$line" | kv connections_failed) \
loop=$(echo "$line" | kv wall_seconds) syns=$(echo "$line" | kv syn_sent) \
halfopen=$(echo "$line" | kv peak_server_sockets)" >> "$res"
}

# run_tcpsim POINT INI
run_tcpsim() {
  local point=$1 ini=$2
  local tv=$work/tv db=$work/run.db t0 t1 rc=0
  rm -f "$db" "$db"-wal "$db"-shm
  t0=$(now_ns)
  /usr/bin/time -v -o "$tv" "$tcpsim" run "$ini" --db "$db" > "$work/out" 2>&1 || rc=$?
  t1=$(now_ns)
  [ "$rc" -eq 0 ] || { cat "$work/out" >&2; die "tcpsim run $ini failed (exit $rc)"; }
  local cl ok failed syns loop dbmb half
  cl=$(grep -E '^ +client ' "$work/out" | head -1)
  ok=$(echo "$cl" | sed -E 's/.* ([0-9]+) completed.*/\1/')
  failed=$(echo "$cl" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  syns=$(grep -E '^ +flood ' "$work/out" | sed -E 's/.* ([0-9]+) SYNs sent.*/\1/' || true)
  loop=$(sqlite3 "$db" "SELECT printf('%.3f', wall_ns / 1e9) FROM runs")
  dbmb=$(du -k "$db" | awk '{printf "%.1f", $1 / 1024}')
  half=-
  if [ -n "$syns" ]; then
    # peak of half-open connections: passive ends from their SYN to
    # ESTABLISHED, or to their end for those never established
    half=$(sqlite3 "$db" "WITH ev(t, d) AS (
        SELECT opened_ns, 1 FROM connections WHERE kind = 'passive'
        UNION ALL SELECT coalesce(established_ns, closed_ns), -1
          FROM connections WHERE kind = 'passive'),
      r AS (SELECT sum(d) OVER (ORDER BY t, d ROWS UNBOUNDED PRECEDING) AS n FROM ev)
      SELECT max(n) FROM r")
  fi
  echo "$point sim=tcpsim rc=$rc wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}') \
rss=$(rss_mb "$tv") ok=$ok failed=$failed loop=$loop syns=${syns:-0} halfopen=$half db=$dbmb" >> "$res"
}

# med POINT SIM KEY: median of KEY over the runs of POINT by SIM
med() {
  awk -v p="$1" -v s="sim=$2" '$1 == p && $2 == s' "$res" | kv_all "$3" | median
}
kv_all() { while read -r l; do echo "$l" | kv "$1"; done; }
# same POINT SIM KEY: the one value KEY had in every run (or "varies")
same() {
  awk -v p="$1" -v s="sim=$2" '$1 == p && $2 == s' "$res" | kv_all "$3" | sort -u |
    awk '{v = $1; n++} END {print n == 1 ? v : (n ? "varies" : "-")}'
}
div() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.'"${3:-1}"'f", a / b}'; }

mismatch=0
checked=0
check_ok() { # POINT: both simulators completed the same connections, none failed
  local p=$1 a b fa fb
  a=$(same "$p" ns3 ok); b=$(same "$p" tcpsim ok)
  fa=$(same "$p" ns3 failed); fb=$(same "$p" tcpsim failed)
  checked=$((checked + 1))
  if [ "$a" != "$b" ] || [ "$fa" != 0 ] || [ "$fb" != 0 ]; then
    mismatch=$((mismatch + 1))
    echo "MISMATCH at $p: ns-3 ok $a failed $fa, tcpsim ok $b failed $fb"
  fi
}

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "ns3_compare: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), load $(load)"
echo "  ns-3 $(dpkg-query -W -f='${Version}' libns3-dev 2>/dev/null || echo '?') ($ns3_build), $("$tcpsim" version) ($tcpsim), trace $TRACE"
echo "  repetitions: tcpsim $reps, ns-3 $ns3_reps ($ns3_slow_reps at N >= 10000 and D >= 1); medians"

# --- churn --------------------------------------------------------------------
if [[ " $ladders " == *" churn "* ]]; then
  for n in $clients; do
    ini=$("$gen" churn "$work/gen" "$n" 10 1000)
    nr=$ns3_reps; [ "$n" -ge 10000 ] && nr=$ns3_slow_reps
    for r in $(seq 1 $(( reps > nr ? reps : nr ))); do
      [ "$r" -le "$nr" ] && run_ns3 "churn/$n" churn --clients="$n" --conns=10 --think=1000
      [ "$r" -le "$reps" ] && run_tcpsim "churn/$n" "$ini"
      echo "  churn N=$n run $r done, load $(load)" >&2
    done
  done
  echo
  echo "churn, uncongested ladder: N clients x 10 connections, think 1000 ms (wall = whole process)"
  printf '%6s %8s %9s %9s %9s %9s %7s %8s %8s %6s | %8s %8s %7s\n' \
    N conns ns3_wall tcp_wall ns3_c/s tcp_c/s ratio ns3_MB tcp_MB RSS_r ns3_run tcp_loop db_MB
  for n in $clients; do
    p=churn/$n; check_ok "$p"
    ok=$(same "$p" tcpsim ok)
    w3=$(med "$p" ns3 wall); wt=$(med "$p" tcpsim wall)
    c3=$(div "$ok" "$w3" 0); ct=$(div "$ok" "$wt" 0)
    m3=$(med "$p" ns3 rss); mt=$(med "$p" tcpsim rss)
    printf '%6s %8s %9s %9s %9s %9s %6sx %8s %8s %6s | %8s %8s %7s\n' \
      "$n" "$ok" "$w3" "$wt" "$c3" "$ct" "$(div "$ct" "$c3" 1)" "$m3" "$mt" \
      "$(div "$mt" "$m3" 3)" "$(med "$p" ns3 loop)" "$(med "$p" tcpsim loop)" "$(med "$p" tcpsim db)"
  done
fi

# --- synflood -----------------------------------------------------------------
if [[ " $ladders " == *" synflood "* ]]; then
  for d in $syn_durations $syn_extra; do
    both=0; for x in $syn_durations; do [ "$x" = "$d" ] && both=1; done
    nr=0
    if [ "$both" = 1 ]; then
      nr=$ns3_reps; awk -v d="$d" 'BEGIN {exit !(d >= 1)}' && nr=$ns3_slow_reps
    fi
    for r in $(seq 1 $(( reps > nr ? reps : nr ))); do
      [ "$r" -le "$nr" ] && run_ns3 "syn/$d" synflood --clients=100 --conns=100 \
        --attackers=10 --attackRate=1000 --attackDuration="$d"
      if [ "$r" -le "$reps" ]; then
        for h in $halfopen; do
          run_tcpsim "syn/$d/$h" "$("$gen" synflood "$work/gen" 100 100 10 10 1000 "$d" "$h")"
        done
      fi
      echo "  synflood D=$d run $r done, load $(load)" >&2
    done
  done
  for h in $halfopen; do
    echo
    case $h in
      queue) echo "synflood, tcpsim half-open connections in the SYN queue (syn_backlog 4e9)" ;;
      cache) echo "synflood, tcpsim half-open connections in the SYN cache (65536 buckets)" ;;
    esac
    echo "  100 clients x 100 connections, think 10 ms; 10 attackers x 1000 SYN/s for D s; +ms/kSYN = (wall - wall at D 0) per 1000 spoofed SYNs"
    printf '%5s %6s %6s %6s %6s %6s %8s %8s %7s %7s %7s %7s %7s %7s %8s %8s\n' \
      D ok ns3SYN tcpSYN ns3peak tcpHO ns3_wall tcp_wall ns3_c/s tcp_c/s ratio ns3_MB tcp_MB RSS_r \
      ns3+ms/k tcp+ms/k
    w30=$(med syn/0 ns3 wall); wt0=$(med "syn/0/$h" tcpsim wall)
    dmax=$(printf '%s\n' $syn_durations $syn_extra | sort -g | tail -1)
    for d in $syn_durations $syn_extra; do
      p=syn/$d
      ok=$(same "$p/$h" tcpsim ok)
      w3=$(med "$p" ns3 wall); wt=$(med "$p/$h" tcpsim wall)
      s3=$(same "$p" ns3 syns); st=$(same "$p/$h" tcpsim syns)
      c3=$(div "$ok" "$w3" 0); ct=$(div "$ok" "$wt" 0)
      m3=$(med "$p" ns3 rss); mt=$(med "$p/$h" tcpsim rss)
      g3=-; gt=-
      if awk -v d="$d" 'BEGIN {exit !(d > 0)}'; then
        [ "$w3" != - ] && g3=$(awk -v w="$w3" -v z="$w30" -v s="$s3" 'BEGIN {printf "%.1f", (w - z) * 1e6 / s}')
        gt=$(awk -v w="$wt" -v z="$wt0" -v s="$st" 'BEGIN {printf "%.2f", (w - z) * 1e6 / s}')
      fi
      if [ "$w3" != - ]; then
        # ns-3 ran this point: the same connections on both sides
        a=$(same "$p" ns3 ok); fa=$(same "$p" ns3 failed); fb=$(same "$p/$h" tcpsim failed)
        checked=$((checked + 1))
        if [ "$a" != "$ok" ] || [ "$fa" != 0 ] || [ "$fb" != 0 ]; then
          mismatch=$((mismatch + 1))
          echo "MISMATCH at $p/$h: ns-3 ok $a failed $fa, tcpsim ok $ok failed $fb"
        fi
      fi
      printf '%5s %6s %6s %6s %6s %6s %8s %8s %7s %7s %6sx %7s %7s %7s %8s %8s\n' \
        "$d" "$ok" "$s3" "$st" "$(same "$p" ns3 halfopen)" "$(same "$p/$h" tcpsim halfopen)" \
        "$w3" "$wt" "$c3" "$ct" "$(div "$ct" "$c3" 1)" "$m3" "$mt" "$(div "$mt" "$m3" 3)" "$g3" "$gt"
      [ "$g3" != - ] && n3_lo=${n3_lo:-$d:$g3} && n3_hi=$d:$g3
      [ "$gt" != - ] && { [ -z "${t_lo:-}" ] || awk -v d="$d" -v m="$dmax" 'BEGIN {exit !(4 * d <= m)}'; } && t_lo=$d:$gt
      [ "$gt" != - ] && t_hi=$d:$gt
    done
    # Linear: the extra wall time per spoofed SYN does not grow with D.
    # ns-3 from its smallest to its largest flood; tcpsim over the same
    # 4-fold step at the top of its ladder (the largest D at most a quarter
    # of the largest: the small floods add only tens of ms to tcpsim, within
    # the noise of a shared machine).
    grow() { awk -v a="$1" -v b="$2" 'BEGIN {split(a, x, ":"); split(b, y, ":");
      if (x[2] + 0 <= 0) printf "-"; else printf "x%.1f from D %s to D %s", y[2] / x[2], x[1], y[1]}'; }
    echo "  growth of the extra wall time per spoofed SYN (x1 = linear, x4 over a 4-fold flood = quadratic):"
    echo "    ns-3 $(grow "${n3_lo:-0:0}" "${n3_hi:-0:0}"); tcpsim $(grow "${t_lo:-0:0}" "${t_hi:-0:0}")"
    unset n3_lo n3_hi t_lo t_hi
  done
fi

echo
if [ "$mismatch" -eq 0 ]; then
  echo "ok counts: at every one of the $checked points both simulators completed the same connections, none failed"
else
  echo "ok counts: $mismatch of $checked points differ (MISMATCH lines above)"
fi
echo "load at the end: $(load)"
[ "$mismatch" -eq 0 ]
