#!/usr/bin/env bash
# trace_cost.sh - what each trace level costs a whole `tcpsim run`, as the
# user sees it: process start to exit, database written and closed.
#
# Runs one experiment file (default bench/trace_cost.ini: 30 000 short
# connections on topologies/star-1000.topo) at each trace level
# (--set run.trace=summary|transitions|segments), each time into a fresh
# database file, REPS times, the levels interleaved within each repetition
# so that a change of machine load hits all of them alike. Then prints per
# level:
#
#   wall s     median wall time of the whole process (fork to exit)
#   x summ     that median over the summary level's median
#   loop s     median of runs.wall_ns: the simulation loop alone, recorder
#              hooks included, finish (last batch, link counters, digest)
#              and database close excluded
#   rows       rows written to the database, all tables (runs row included)
#   rows/s     rows / wall s
#   db MB      size of the database file after the process ended (WAL
#              checkpointed at close; a leftover -wal file is added)
#
# and the rows of each table per level. With MEMORY=1 (default) each level
# also runs REPS times with --db :memory: (SQLite in memory: the recorder
# and SQLite's work without the file), shown as wall s only. Tracing off:
# `tcpsim run FILE` always records, so for a run without any recorder the
# script runs bench_results (bench/bench_results.c, in-process, its own
# workload) when it is built next to tcpsim, and prints its output.
#
# Every repetition of a level must give the same result digest (same
# seed); the script stops if one differs.
#
# Usage (from the source root; never run by ctest or CI):
#   bench/trace_cost.sh [EXPERIMENT.ini]
# Environment: TCPSIM (default build/tcpsim), REPS (default 5), MEMORY
# (1/0), BENCH_RESULTS_ARGS (default "--conns 30000"), TMPDIR.
set -euo pipefail

ini=${1:-bench/trace_cost.ini}
tcpsim=${TCPSIM:-build/tcpsim}
reps=${REPS:-5}
memory=${MEMORY:-1}
levels=(summary transitions segments)
tables=(runs params hosts links connections transitions segments app_events
        host_events samples metrics)

[ -x "$tcpsim" ] || { echo "trace_cost: $tcpsim not found (build first, or set TCPSIM)" >&2; exit 2; }
[ -f "$ini" ] || { echo "trace_cost: $ini not found" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "trace_cost: needs the sqlite3 shell (scripts/install-deps.sh)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/trace_cost.XXXXXX")
trap 'rm -rf "$work"' EXIT

now_ns() { date +%s%N; }
median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# one run: prints "wall_s digest loop_s"
run_one() { # level db
  local t0 t1 out
  t0=$(now_ns)
  out=$("$tcpsim" run "$ini" --db "$2" --set "run.trace=$1" 2>&1) || {
    echo "trace_cost: tcpsim failed at level $1:" >&2
    echo "$out" >&2
    exit 1
  }
  t1=$(now_ns)
  local digest loop
  digest=$(sed -n 's/.* digest \([0-9a-f]*\).*/\1/p' <<<"$out" | tail -1)
  loop=$(sed -n 's/.* events, \([0-9.]*\) s wall.*/\1/p' <<<"$out" | tail -1)
  echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", (b - a) / 1e9}') $digest $loop"
}

echo "trace_cost: $ini, $reps repetitions per level, medians; $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A wall loop digest rows size memwall
for ((r = 1; r <= reps; r++)); do
  for l in "${levels[@]}"; do
    db="$work/$l.db"
    rm -f "$db" "$db-wal" "$db-shm"
    res=$(run_one "$l" "$db")
    read -r w d lp <<<"$res"
    if [ -n "${digest[$l]:-}" ] && [ "${digest[$l]}" != "$d" ]; then
      echo "trace_cost: level $l gave digest $d, earlier ${digest[$l]}" >&2
      exit 1
    fi
    digest[$l]=$d
    wall[$l]="${wall[$l]:-} $w"
    loop[$l]="${loop[$l]:-} $lp"
    if [ "$r" -eq 1 ]; then
      bytes=$(stat -c %s "$db")
      [ -f "$db-wal" ] && bytes=$((bytes + $(stat -c %s "$db-wal")))
      size[$l]=$bytes
      q=""
      for t in "${tables[@]}"; do q+="SELECT count(*) FROM $t;"; done
      rows[$l]=$(sqlite3 -readonly "$db" "$q" | tr '\n' ' ')
    fi
    if [ "$memory" = 1 ]; then
      res=$(run_one "$l" ":memory:")
      read -r w d lp <<<"$res"
      [ "$d" = "${digest[$l]}" ] || { echo "trace_cost: level $l in memory gave digest $d, on disk ${digest[$l]}" >&2; exit 1; }
      memwall[$l]="${memwall[$l]:-} $w"
    fi
  done
done

base=$(tr ' ' '\n' <<<"${wall[summary]}" | grep . | median)
printf '\n%-12s %8s %7s %8s %9s %10s %8s' level "wall s" "x summ" "loop s" rows rows/s "db MB"
[ "$memory" = 1 ] && printf ' %13s' ":memory: wall"
printf '\n'
for l in "${levels[@]}"; do
  m=$(tr ' ' '\n' <<<"${wall[$l]}" | grep . | median)
  lm=$(tr ' ' '\n' <<<"${loop[$l]}" | grep . | median)
  total=$(tr ' ' '\n' <<<"${rows[$l]}" | grep . | awk '{s += $1} END {print s}')
  printf '%-12s %8.3f %7.2f %8.3f %9d %10.0f %8.1f' "$l" "$m" \
    "$(awk -v a="$m" -v b="$base" 'BEGIN {print a / b}')" "$lm" "$total" \
    "$(awk -v a="$total" -v b="$m" 'BEGIN {print a / b}')" \
    "$(awk -v a="${size[$l]}" 'BEGIN {print a / 1048576}')"
  if [ "$memory" = 1 ]; then
    printf ' %13.3f' "$(tr ' ' '\n' <<<"${memwall[$l]}" | grep . | median)"
  fi
  printf '\n'
done

printf '\nrows per table\n%-12s' table
for l in "${levels[@]}"; do printf ' %12s' "$l"; done
printf '\n'
for i in "${!tables[@]}"; do
  printf '%-12s' "${tables[$i]}"
  for l in "${levels[@]}"; do
    read -r -a v <<<"${rows[$l]}"
    printf ' %12s' "${v[$i]}"
  done
  printf '\n'
done
printf '\ndigests:'
for l in "${levels[@]}"; do printf ' %s %s' "$l" "${digest[$l]}"; done
printf '\n'

bench="$(dirname "$tcpsim")/bench_results"
if [ -x "$bench" ]; then
  printf '\ntracing off (no recorder), in-process: %s %s\n' "$bench" "${BENCH_RESULTS_ARGS:---conns 30000}"
  # shellcheck disable=SC2086 # the arguments are meant to split
  "$bench" ${BENCH_RESULTS_ARGS:---conns 30000} --dir "$work"
fi
