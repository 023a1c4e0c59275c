#!/usr/bin/env bash
# flood.sh - SYN-flood benchmarks of tcpsim, run by hand (never by ctest):
#
#   throughput  1,000,000 spoofed SYN/s for 10 simulated seconds against one
#               server with SYN cookies on overflow and 1000 legitimate
#               clients (bench/flood/throughput.ini): wall time against the
#               10 s simulated, peak RSS
#   growth      the same workload at 1x, 10x and 100x clients and attack
#               rate together (100 clients and 10,000 SYN/s up to 10,000
#               clients and 1,000,000 SYN/s, 2 simulated seconds): wall time
#               and peak RSS must grow linearly
#   state       bench_flood_state: bytes per half-open entry with no defence
#               up to 2,000,000 entries held at once, and the time per SYN
#
# Usage: bench/flood.sh [throughput] [growth] [state]   (default: all)
# Environment: TCPSIM (default build/tcpsim), BENCH_FLOOD_STATE (default
# build/bench_flood_state), REPS (default 3; medians), OUT (scratch
# directory, default a new one under /tmp). Whole-process wall time and
# peak RSS come from /usr/bin/time.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
TCPSIM=${TCPSIM:-$root/build/tcpsim}
STATE=${BENCH_FLOOD_STATE:-$root/build/bench_flood_state}
REPS=${REPS:-3}
OUT=${OUT:-$(mktemp -d /tmp/tcpsim-flood-XXXXXX)}
what=${*:-throughput growth state}

[ -x "$TCPSIM" ] || { echo "flood.sh: no $TCPSIM (./dev build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "flood.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

echo "# flood.sh $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# one RUN_ARGS...: prints "wall_s rss_mb events"
one() {
  local tv db
  tv=$(mktemp "$OUT/time-XXXXXX")
  db=$(mktemp -u "$OUT/run-XXXXXX.db")
  /usr/bin/time -f "%e %M" -o "$tv" "$TCPSIM" run "$@" --db "$db" > "$OUT/last.out"
  local ev
  ev=$(awk '/^run [0-9]+ done:/ {print $4}' "$OUT/last.out")
  read -r wall rss < "$tv"
  echo "$wall $(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}') $ev"
  rm -f "$tv" "$db" "$db-wal" "$db-shm"
}

# point LABEL RUN_ARGS...: REPS runs, medians
point() {
  local label=$1; shift
  local walls=() rsss=() ev=
  for _ in $(seq 1 "$REPS"); do
    read -r w r e < <(one "$@")
    walls+=("$w"); rsss+=("$r"); ev=$e
  done
  printf '%-34s %9s %9s %12s\n' "$label" \
    "$(printf '%s\n' "${walls[@]}" | median)" \
    "$(printf '%s\n' "${rsss[@]}" | median)" "$ev"
}

for w in $what; do
  case $w in
    throughput)
      echo; echo "## throughput: 1,000,000 SYN/s for 10 s, cookies, 1000 clients"
      printf '%-34s %9s %9s %12s\n' "run" "wall s" "RSS MB" "events"
      point "throughput (10 s simulated)" "$here/flood/throughput.ini"
      grep -E "^  (client|flood|tcp) " "$OUT/last.out"
      ;;
    growth)
      echo; echo "## growth: clients and attack rate x1, x10, x100 (2 s simulated)"
      printf '%-34s %9s %9s %12s\n' "scale" "wall s" "RSS MB" "events"
      for k in 1 10 100; do
        n=$((100 * k))
        topo="$OUT/growth-$k.topo"
        sed "s/client\[1-1000\]/client[1-$n]/" "$here/flood/flood.topo" > "$topo"
        rate=$((1000 * k))
        point "x$k: $n clients, $((rate * 10)) SYN/s" "$here/flood/throughput.ini" \
          --set "run.topology=$topo" --set run.duration=2s \
          --set "workload.attack.rate=$rate/s"
      done
      ;;
    state)
      echo; echo "## state: half-open entries with no defence (bench_flood_state)"
      "$STATE"
      ;;
    *) echo "flood.sh: unknown part '$w' (throughput, growth, state)" >&2; exit 2 ;;
  esac
done
