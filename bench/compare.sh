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
#   -w N         warm-up requests per test and server before measuring, at the deepest pipeline
#                (default 200000; 0 disables). The JIT needs it; Redis gets the same for symmetry.
#   -h           this help
# Anything after -- goes to every redis-benchmark run (e.g. -- -r 100000 -d 64).
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

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

TESTS="SET,GET,INCR,MSET"
DEPTHS="1,16"
CLIENTS=50
REQUESTS=""
REPEATS=3
WARMUP=200000
while getopts "t:P:c:n:r:w:h" opt; do
  case "$opt" in
    t) TESTS="$OPTARG" ;;
    P) DEPTHS="$OPTARG" ;;
    c) CLIENTS="$OPTARG" ;;
    n) REQUESTS="$OPTARG" ;;
    r) REPEATS="$OPTARG" ;;
    w) WARMUP="$OPTARG" ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ "${1:-}" == "--" ]] && shift
EXTRA_ARGS=("$@")

REDIS_SERVER="${REDIS_SERVER:-redis-server}"
REDIS_BENCHMARK="${REDIS_BENCHMARK:-redis-benchmark}"
REDIS_CLI="${REDIS_CLI:-redis-cli}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '%s\n' "$*" >&2; }
die() { log "compare.sh: $*"; exit 1; }

for tool in "$REDIS_SERVER" "$REDIS_BENCHMARK" "$REDIS_CLI"; do
  command -v "$tool" >/dev/null || die "$tool not found"
done

# --- Processes: everything started here is stopped on exit ------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lodestone-bench.XXXXXX")"
PIDS=()
cleanup() {
  local pid
  [[ -n "${BENCH_PID:-}" ]] && kill -TERM "$BENCH_PID" 2>/dev/null
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port: one the kernel hands out for binding, if python3 is there; else a random
# one that nothing answers on. start_server retries if the port is taken before the server binds.
free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  local port
  for _ in $(seq 100); do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  die "no free port found"
}

# start_server NAME COMMAND...: starts a server on a free port and sets PORT_<NAME>.
start_server() {
  local name="$1"; shift
  local attempt port pid dir="$WORK/$name"
  mkdir -p "$dir"
  for attempt in 1 2 3; do
    port="$(free_port)"
    "$@" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" >"$WORK/$name.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    for _ in $(seq 300); do
      if "$REDIS_CLI" -h 127.0.0.1 -p "$port" PING 2>/dev/null | grep -q PONG; then
        printf -v "PORT_$name" '%s' "$port"
        log "$name: pid $pid, port $port"
        return
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      cat "$WORK/$name.log" >&2
      die "$name did not answer PING within 30 s"
    fi
    grep -qi "address already in use" "$WORK/$name.log" || break
    log "$name: port $port was taken, trying another"
  done
  cat "$WORK/$name.log" >&2
  die "$name exited during start-up"
}

# The command that starts Lodestone, without the arguments start_server appends. It runs in the
# background directly (no wrapper process), so the pid recorded is the server's own.
if [[ -n "${LODESTONE_CMD:-}" ]]; then
  # LODESTONE_CMD is a command line prefix: let a shell split it, then exec it with our arguments.
  LODESTONE_LAUNCH=(bash -c "exec $LODESTONE_CMD \"\$@\"" lodestone)
  LODESTONE_DESC="$LODESTONE_CMD"
else
  JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
  if [[ ! -f "$ROOT/target/lodestone.jar" ]]; then
    log "building target/lodestone.jar"
    (cd "$ROOT" && flock /tmp/lodestone-build.lock mvn -q -o -DskipTests package) || die "build failed"
  fi
  read -r -a JAVA_OPTS <<<"${LODESTONE_JAVA_OPTS:-}"
  LODESTONE_LAUNCH=("$JAVA" "${JAVA_OPTS[@]}" -cp "$ROOT/target/lodestone.jar:$ROOT/target/lib/*" io.lodestone.server.Main)
  LODESTONE_DESC="$JAVA ${LODESTONE_JAVA_OPTS:+$LODESTONE_JAVA_OPTS }-cp target/lodestone.jar:target/lib/* io.lodestone.server.Main"
fi

# Builds and benchmarks on this machine take turns: measure only while holding the build lock.
LOCK="${LODESTONE_BENCH_LOCK-/tmp/lodestone-build.lock}"
if [[ -n "$LOCK" ]]; then
  exec 9>>"$LOCK"
  flock -n 9 || { log "waiting for $LOCK"; flock 9; }
fi

start_server redis "$REDIS_SERVER"
start_server lodestone "${LODESTONE_LAUNCH[@]}"

# --- Measuring --------------------------------------------------------------------------------
# bench PORT TEST DEPTH REQUESTS: sets RESULT to the req/s of that test, or "error". redis-benchmark
# runs in the background so that a signal to this script is handled at once (bash runs traps
# during `wait`, not while a foreground child runs).
BENCH_PID=""
bench() {
  local port="$1" test="$2" depth="$3" requests="$4"
  "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$port" -c "$CLIENTS" -n "$requests" -P "$depth" \
    -t "$test" --csv "${EXTRA_ARGS[@]}" >"$WORK/bench.out" 2>"$WORK/bench.err" &
  BENCH_PID=$!
  if ! wait "$BENCH_PID"; then
    BENCH_PID=""
    log "redis-benchmark failed on port $port: $(tail -n 3 "$WORK/bench.err")"
    RESULT=error
    return
  fi
  BENCH_PID=""
  # Rows look like "MSET (10 keys)","123.45",...; the test's own row starts with its name.
  RESULT="$(awk -F'"' -v t="${test^^}" \
    'NR > 1 && ($2 == t || index($2, t " ") == 1) { print $4; found = 1; exit }
     END { if (!found) print "error" }' "$WORK/bench.out")"
}

median() {
  tr ' ' '\n' | grep -v '^$' | sort -g | awk '
    /error/ { err = 1 } { v[NR] = $1 }
    END { if (err || NR == 0) { print "error"; exit }
          if (NR % 2) printf "%.0f\n", v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

requests_for() {
  if [[ -n "$REQUESTS" ]]; then echo "$REQUESTS"; elif [[ "$1" -gt 1 ]]; then echo 1000000; else echo 200000; fi
}

IFS=, read -r -a TEST_LIST <<<"$TESTS"
IFS=, read -r -a DEPTH_LIST <<<"$DEPTHS"
deepest="$(printf '%s\n' "${DEPTH_LIST[@]}" | sort -n | tail -n 1)"

if [[ "$WARMUP" -gt 0 ]]; then
  for test in "${TEST_LIST[@]}"; do
    log "warm-up: $test -P $deepest -n $WARMUP"
    bench "$PORT_redis" "$test" "$deepest" "$WARMUP"
    bench "$PORT_lodestone" "$test" "$deepest" "$WARMUP"
  done
fi

ROWS=()
for test in "${TEST_LIST[@]}"; do
  for depth in "${DEPTH_LIST[@]}"; do
    n="$(requests_for "$depth")"
    redis_runs=() lodestone_runs=()
    for rep in $(seq "$REPEATS"); do
      if (( rep % 2 )); then
        bench "$PORT_redis" "$test" "$depth" "$n"; redis_runs+=("$RESULT")
        bench "$PORT_lodestone" "$test" "$depth" "$n"; lodestone_runs+=("$RESULT")
      else
        bench "$PORT_lodestone" "$test" "$depth" "$n"; lodestone_runs+=("$RESULT")
        bench "$PORT_redis" "$test" "$depth" "$n"; redis_runs+=("$RESULT")
      fi
      log "$test -P $depth run $rep/$REPEATS: redis-server ${redis_runs[-1]}, lodestone ${lodestone_runs[-1]}"
    done
    r="$(median <<<"${redis_runs[*]}")"
    l="$(median <<<"${lodestone_runs[*]}")"
    if [[ "$r" == error || "$l" == error ]]; then ratio="-"; else ratio="$(awk -v a="$l" -v b="$r" 'BEGIN { printf "%.2f", a / b }')"; fi
    ROWS+=("| ${test^^} | $depth | $r | $l | $ratio |")
  done
done

kill -0 "${PIDS[1]}" 2>/dev/null || log "warning: Lodestone is no longer running; see its log above"

echo "redis-benchmark -c $CLIENTS, median of $REPEATS runs per server; requests per run: $(requests_for 1) at -P 1, $(requests_for 16) pipelined${EXTRA_ARGS[*]:+; extra: ${EXTRA_ARGS[*]}}"
echo "redis-server: $("$REDIS_SERVER" --version | awk '{print $3}'); Lodestone: $LODESTONE_DESC"
echo
echo "| test | pipeline | redis-server req/s | Lodestone req/s | ratio |"
echo "| --- | ---: | ---: | ---: | ---: |"
printf '%s\n' "${ROWS[@]}"
