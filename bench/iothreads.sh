#!/usr/bin/env bash
# Measures Lodestone's io-threads against redis-server under CPU limits: each server runs pinned with
# taskset to a set of CPUs (default: one CPU, then both), redis-benchmark pinned to its own CPU, one
# server at a time, in one run.
#
# For each CPU set: redis-server, then Lodestone, once per io-threads value (the main thread counts as
# one, as in Redis: io-threads 2 is the command thread plus one I/O thread; Redis gets
# io-threads-do-reads yes). Each server gets SET and
# GET at -P 16 (N requests) and -P 1 (N / 5) over random keys (-r K), the SETs first so the GETs hit,
# after a warm-up of N SETs and N GETs (-P 16) that is not reported.
# Reported per test: req/s and p99 latency (redis-benchmark --csv).
#
# Usage: bench/iothreads.sh [options]
#   -s CPUSETS    server CPU sets, separated by spaces (default "1 0-1")
#   -b CPU        redis-benchmark's CPUs (default 0)
#   -i THREADS    comma-separated io-threads values for Lodestone (default 1,2,3)
#   -n N          requests per -P 16 test (default 1000000; -P 1 gets N / 5)
#   -k K          keyspace, redis-benchmark -r (default 1000000)
#   -h            this help
#
# Environment: JAVA_HOME (the JDK), REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI (default: on the PATH),
# LODESTONE_BENCH_LOCK (as bench/compare.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CPUSETS="1 0-1"
BENCH_CPU=0
THREADS=1,2,3
REQUESTS=1000000
KEYS=1000000
while getopts "s:b:i:n:k:h" opt; do
  case "$opt" in
    s) CPUSETS="$OPTARG" ;;
    b) BENCH_CPU="$OPTARG" ;;
    i) THREADS="$OPTARG" ;;
    n) REQUESTS="$OPTARG" ;;
    k) KEYS="$OPTARG" ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
is_uint "$REQUESTS" && is_uint "$KEYS" || die "-n and -k take whole numbers"

bench_setup iothreads taskset

launch() {  # launch PORT NAME CPUSET COMMAND...
  local port="$1" name="$2" cpus="$3"
  shift 3
  mkdir -p "$WORK/$name"
  taskset -c "$cpus" "$@" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/$name" \
    >"$WORK/$name.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 300); do
    "$REDIS_CLI" -p "$port" PING 2>/dev/null | grep -q PONG && return 0
    kill -0 "$STARTED_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# phase PORT TEST DEPTH N: sets PHASE to "req/s / p99".
phase() {
  run_helper "$WORK/b.out" "$WORK/b.err" taskset -c "$BENCH_CPU" "$REDIS_BENCHMARK" -p "$1" -c 50 -n "$4" -P "$3" \
    -t "$2" -r "$KEYS" --csv || die "redis-benchmark failed: $(tail -n 3 "$WORK/b.err")"
  PHASE="$(awk -F'"' 'NR == 2 { printf "%.0f / %s", $4, $14 }' "$WORK/b.out")"
}

ROWS=()
# measure LABEL CPUSET COMMAND...: one server's row.
measure() {
  local label="$1" cpus="$2" name="s${#ROWS[@]}" row
  shift 2
  start_with_retries "$label" "$WORK/$name.log" 30 launch "$name" "$cpus" "$@"
  local port="$STARTED_PORT" pid="$STARTED_PID"
  log "$label on CPUs $cpus"
  # Warm-up, not measured: the JIT compiles on the server's CPUs, which the measurement must not see.
  phase "$port" set 16 "$REQUESTS"
  phase "$port" get 16 "$REQUESTS"
  row="| $cpus | $label"
  phase "$port" set 16 "$REQUESTS"; row+=" | $PHASE"
  phase "$port" get 16 "$REQUESTS"; row+=" | $PHASE"
  phase "$port" set 1 $((REQUESTS / 5)); row+=" | $PHASE"
  phase "$port" get 1 $((REQUESTS / 5)); row+=" | $PHASE"
  ROWS+=("$row |")
  "$REDIS_CLI" -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}

lodestone_launch
take_lock
for cpus in $CPUSETS; do
  IFS=, read -r -a threads <<<"$THREADS"
  for t in "${threads[@]}"; do
    if [[ "$t" == 1 ]]; then
      measure redis-server "$cpus" "$REDIS_SERVER"
    else
      measure "redis-server io-threads $t" "$cpus" "$REDIS_SERVER" --io-threads "$t" --io-threads-do-reads yes
    fi
  done
  for t in "${threads[@]}"; do
    measure "Lodestone io-threads $t" "$cpus" "${LODESTONE_LAUNCH[@]}" --io-threads "$t"
  done
done

echo "redis-benchmark -c 50 -r $KEYS on CPU $BENCH_CPU; -P 16: $REQUESTS requests, -P 1: $((REQUESTS / 5)); servers pinned with taskset."
echo "Lodestone: $LODESTONE_DESC --io-threads T"
echo
echo "| server CPUs | server | SET -P 16 req/s / p99 ms | GET -P 16 | SET -P 1 | GET -P 1 |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
printf '%s\n' "${ROWS[@]}"
