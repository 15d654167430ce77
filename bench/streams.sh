#!/usr/bin/env bash
# Stream throughput, Lodestone beside redis-server in one run: redis-benchmark with the stream
# commands as custom commands, each test against both servers in turn (the order alternating over
# the rounds), after an unmeasured warm-up round; medians of the rounds; req/s, p99 and the worst
# max latency.
#   XADD (one stream)   XADD bench:x MAXLEN ~ 1000000 * field value: one growing, trimmed stream
#   XADD (1M streams)   XADD bench:s:<rand> * field value over -r 1000000 keys
#   XREADGROUP          XREADGROUP GROUP g c:<rand 50> COUNT 1 STREAMS bench:g > on a stream prefilled
#                       with more entries than the test reads, so that every read delivers one
# Each at -P 1 and -P 16, -c 50. Servers start empty, without persistence.
#
# Usage: bench/streams.sh [-n N] [-r ROUNDS] [-h]
#   -n N   requests per test at -P 16 (default 1000000; -P 1 gets N / 5)
#   -r R   rounds (default 3)
# Environment: JAVA_HOME, REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI, LODESTONE_BENCH_LOCK (as compare.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REQUESTS=1000000
ROUNDS=3
while getopts "n:r:h" opt; do
  case "$opt" in
    n) REQUESTS="$OPTARG" ;;
    r) ROUNDS="$OPTARG" ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
is_uint "$REQUESTS" && is_uint "$ROUNDS" || die "-n and -r take whole numbers"

bench_setup streams
lodestone_launch
take_lock
start_server redis "$REDIS_SERVER"
start_server lodestone "${LODESTONE_LAUNCH[@]}"
SERVERS=(redis lodestone)

# run PORT DEPTH N ARGS...: "req/s p99 max" of one redis-benchmark run of the command ARGS.
run() {
  local port="$1" depth="$2" n="$3"
  shift 3
  if ! run_helper "$WORK/b.out" "$WORK/b.err" "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$port" -c 50 -n "$n" \
      -P "$depth" --csv "$@"; then
    log "redis-benchmark failed on port $port: $(tail -n 3 "$WORK/b.err")"
    echo "error error error"
    return
  fi
  awk -F'"' 'NR == 2 { print $4, $14, $16 }' "$WORK/b.out"
}

# prepare_group PORT N: bench:g holds N entries and group g reads from its start.
prepare_group() {
  local port="$1" n="$2"
  "$REDIS_CLI" -p "$port" DEL bench:g >/dev/null
  "$REDIS_CLI" -p "$port" XGROUP CREATE bench:g g '$' MKSTREAM >/dev/null
  run "$port" 16 "$n" XADD bench:g '*' field value >/dev/null
}

declare -A RPS P99 MAX
TESTS=("XADD (one stream)" "XADD (1M streams)" "XREADGROUP")
# Round 0 warms both servers up (the JIT needs it; Redis gets the same) and is not counted.
for ((round = 0; round <= ROUNDS; round++)); do
  log "round $round of $ROUNDS"
  for depth in 1 16; do
    n=$(( depth == 1 ? REQUESTS / 5 : REQUESTS ))
    order=("${SERVERS[@]}")
    (( (round + depth) % 2 )) && order=(lodestone redis)
    for t in "${TESTS[@]}"; do
      for s in "${order[@]}"; do
        port_var="PORT_$s"
        port="${!port_var}"
        case "$t" in
          "XADD (one stream)") r="$(run "$port" "$depth" "$n" XADD bench:x MAXLEN '~' 1000000 '*' field value)" ;;
          "XADD (1M streams)") r="$(run "$port" "$depth" "$n" -r 1000000 XADD 'bench:s:__rand_int__' '*' field value)" ;;
          XREADGROUP)
            prepare_group "$port" $(( n + n / 10 ))
            r="$(run "$port" "$depth" "$n" -r 50 XREADGROUP GROUP g 'c:__rand_int__' COUNT 1 STREAMS bench:g '>')" ;;
        esac
        (( round == 0 )) && continue
        read -r rps p99 max <<<"$r"
        key="$t|$depth|$s"
        RPS[$key]+="$rps "
        P99[$key]+="$p99 "
        MAX[$key]+="$max "
      done
    done
  done
  for s in "${SERVERS[@]}"; do port_var="PORT_$s"; "$REDIS_CLI" -p "${!port_var}" FLUSHALL >/dev/null; done
done

echo "redis-benchmark -c 50, -P 16: $REQUESTS requests, -P 1: $((REQUESTS / 5)); medians of $ROUNDS interleaved rounds."
echo "Lodestone: $LODESTONE_DESC"
echo
echo "| test | pipeline | redis-server req/s | Lodestone req/s | ratio | p99 ms R / L | max ms R / L |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for t in "${TESTS[@]}"; do
  for depth in 1 16; do
    r="$(median <<<"${RPS[$t|$depth|redis]}")"
    l="$(median <<<"${RPS[$t|$depth|lodestone]}")"
    printf '| %s | %s | %.0f | %.0f | %s | %s / %s | %s / %s |\n' "$t" "$depth" "$r" "$l" "$(ratio "$l" "$r")" \
      "$(median <<<"${P99[$t|$depth|redis]}")" "$(median <<<"${P99[$t|$depth|lodestone]}")" \
      "$(tr ' ' '\n' <<<"${MAX[$t|$depth|redis]}" | sort -g | tail -1)" \
      "$(tr ' ' '\n' <<<"${MAX[$t|$depth|lodestone]}" | sort -g | tail -1)"
  done
done
