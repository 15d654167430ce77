#!/usr/bin/env bash
# Compares Lodestone's throughput with redis-server's, using redis-benchmark.
#
# Both servers run side by side on free loopback ports. For every test and pipeline depth the
# script runs redis-benchmark against each server in turn, R times (the order alternates between
# repetitions so that drift hurts neither side), takes the median req/s of each, and prints a
# Markdown table. Progress goes to stderr, the table to stdout.
#
# Usage: bench/compare.sh [options] [-- extra redis-benchmark arguments]
#   -t TESTS     comma-separated redis-benchmark tests (default SET,GET,INCR,MSET)
#   -P DEPTHS    comma-separated pipeline depths (default 1,16)
#   -c CLIENTS   parallel connections (default 50)
#   -n N         requests per run at every depth (default: 200000 at -P 1, 1000000 when pipelined)
#   -r R         repetitions per server, median taken (default 3)
#   -k KEYSPACES comma-separated keyspaces, one table each: N runs redis-benchmark with -r N (random
#                keys over N names), 0 with its single key (default 1000000,0)
#   -w N         warm-up requests per test and server before measuring, at the deepest pipeline
#                (default 200000; 0 disables). The JIT needs it; Redis gets the same for symmetry.
#   -h           this help
# Anything after -- goes to every redis-benchmark run (e.g. -- -d 64).
#
# Environment:
#   LODESTONE_CMD        how to start Lodestone, as a command prefix; the script appends
#                        --port P --bind 127.0.0.1 --save '' --appendonly no --dir D.
#                        Default: java $LODESTONE_JAVA_OPTS -cp target/lodestone.jar:target/lib/*
#                        io.lodestone.server.Main (building the jar first if it is missing).
#                        LODESTONE_CMD=redis-server compares Redis with itself.
#   LODESTONE_JAVA_OPTS  JVM options for the default command (e.g. -Xmx2g -XX:+UseParallelGC)
#   JAVA_HOME            the JDK to run (default: java on the PATH)
#   REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI   the Redis executables (default: on the PATH)
#   LODESTONE_BENCH_LOCK a lock file held while measuring, so that builds and benchmarks on a
#                        shared machine take turns (default /tmp/lodestone-build.lock, the lock
#                        Maven builds take; empty: no lock). Do not run this script under that
#                        lock yourself: it builds with it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TESTS="SET,GET,INCR,MSET"
DEPTHS="1,16"
CLIENTS=50
REQUESTS=""
REPEATS=3
WARMUP=200000
KEYSPACES="1000000,0"
while getopts "t:P:c:n:r:k:w:h" opt; do
  case "$opt" in
    t) TESTS="$OPTARG" ;;
    P) DEPTHS="$OPTARG" ;;
    c) CLIENTS="$OPTARG" ;;
    n) REQUESTS="$OPTARG" ;;
    r) REPEATS="$OPTARG" ;;
    k) KEYSPACES="$OPTARG" ;;
    w) WARMUP="$OPTARG" ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ "${1:-}" == "--" ]] && shift
EXTRA_ARGS=("$@")

# --- Processes: everything started here is stopped on exit ------------------------------------
bench_setup bench

lodestone_launch
take_lock

start_server redis "$REDIS_SERVER"
start_server lodestone "${LODESTONE_LAUNCH[@]}"

# --- Measuring --------------------------------------------------------------------------------
# bench PORT TEST DEPTH REQUESTS KEYSPACE: sets RESULT to "req/s p99_ms max_ms" of that test, or
# "error error error". KEYSPACE 0 means redis-benchmark's single key; otherwise -r KEYSPACE.
bench() {
  local port="$1" test="$2" depth="$3" requests="$4" keyspace="$5" rand=()
  [[ "$keyspace" -gt 0 ]] && rand=(-r "$keyspace")
  if ! run_helper "$WORK/bench.out" "$WORK/bench.err" "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$port" -c "$CLIENTS" \
    -n "$requests" -P "$depth" -t "$test" "${rand[@]}" --csv "${EXTRA_ARGS[@]}"; then
    log "redis-benchmark failed on port $port: $(tail -n 3 "$WORK/bench.err")"
    RESULT="error error error"
    return
  fi
  # Rows look like "MSET (10 keys)","123.45","avg","min","p50","p95","p99","max"; the test's own
  # row starts with its name.
  RESULT="$(awk -F'"' -v t="${test^^}" \
    'NR > 1 && ($2 == t || index($2, t " ") == 1) { print $4, $14, $16; found = 1; exit }
     END { if (!found) print "error error error" }' "$WORK/bench.out")"
}

# The median req/s, a whole number, or "error" when a run failed.
median_rps() {
  local m
  m="$(median)"
  if [[ "$m" == - ]]; then echo error; else printf '%.0f\n' "$m"; fi
}

# The largest of the numbers on stdin (the worst max latency of the runs), or "-".
worst() {
  tr ' ' '\n' | grep -v '^$' | awk '/^-$|nan|error/ { bad = 1 } NR == 1 || $1 > m { m = $1 }
    END { if (bad || NR == 0) print "-"; else print m }'
}

requests_for() {
  if [[ -n "$REQUESTS" ]]; then echo "$REQUESTS"; elif [[ "$1" -gt 1 ]]; then echo 1000000; else echo 200000; fi
}

IFS=, read -r -a TEST_LIST <<<"$TESTS"
IFS=, read -r -a DEPTH_LIST <<<"$DEPTHS"
IFS=, read -r -a KEYSPACE_LIST <<<"$KEYSPACES"
deepest="$(printf '%s\n' "${DEPTH_LIST[@]}" | sort -n | tail -n 1)"

if [[ "$WARMUP" -gt 0 ]]; then
  for test in "${TEST_LIST[@]}"; do
    log "warm-up: $test -P $deepest -n $WARMUP"
    bench "$PORT_redis" "$test" "$deepest" "$WARMUP" "${KEYSPACE_LIST[0]}"
    bench "$PORT_lodestone" "$test" "$deepest" "$WARMUP" "${KEYSPACE_LIST[0]}"
  done
fi

# measure TEST DEPTH KEYSPACE: one table row.
measure() {
  local test="$1" depth="$2" keyspace="$3" n rep r l
  local redis_rps=() redis_p99=() redis_max=() lodestone_rps=() lodestone_p99=() lodestone_max=()
  n="$(requests_for "$depth")"
  for rep in $(seq "$REPEATS"); do
    local order=(redis lodestone)
    (( rep % 2 )) || order=(lodestone redis)
    for side in "${order[@]}"; do
      local port_var="PORT_$side"
      bench "${!port_var}" "$test" "$depth" "$n" "$keyspace"
      read -r rps p99 max <<<"$RESULT"
      eval "${side}_rps+=(\"\$rps\") ${side}_p99+=(\"\$p99\") ${side}_max+=(\"\$max\")"
    done
    log "$test -P $depth keyspace $keyspace run $rep/$REPEATS: redis-server ${redis_rps[-1]} req/s, lodestone ${lodestone_rps[-1]} req/s"
  done
  r="$(median_rps <<<"${redis_rps[*]}")"
  l="$(median_rps <<<"${lodestone_rps[*]}")"
  ROW="| ${test^^} | $depth | $r | $l | $(ratio "$l" "$r") | $(median <<<"${redis_p99[*]}") / $(median <<<"${lodestone_p99[*]}") | $(worst <<<"${redis_max[*]}") / $(worst <<<"${lodestone_max[*]}") |"
}

declare -A ROWS
for keyspace in "${KEYSPACE_LIST[@]}"; do
  for test in "${TEST_LIST[@]}"; do
    for depth in "${DEPTH_LIST[@]}"; do
      measure "$test" "$depth" "$keyspace"
      ROWS[$keyspace]+="$ROW"$'\n'
    done
  done
done

kill -0 "${PIDS[1]}" 2>/dev/null || log "warning: Lodestone is no longer running; see its log above"

echo "redis-benchmark -c $CLIENTS, median of $REPEATS runs per server; requests per run: $(requests_for 1) at -P 1, $(requests_for 16) pipelined${EXTRA_ARGS[*]:+; extra: ${EXTRA_ARGS[*]}}"
echo "redis-server: $("$REDIS_SERVER" --version | awk '{print $3}'); Lodestone: $LODESTONE_DESC"
echo "p99: median of the runs; max: the worst run. Latencies in ms, redis-server / Lodestone."
for keyspace in "${KEYSPACE_LIST[@]}"; do
  echo
  if [[ "$keyspace" -gt 0 ]]; then echo "Keyspace: random keys over $keyspace names (-r $keyspace)"; else echo "Keyspace: one key per test (no -r)"; fi
  echo
  echo "| test | pipeline | redis-server req/s | Lodestone req/s | ratio | p99 ms R / L | max ms R / L |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  printf '%s' "${ROWS[$keyspace]}"
done
