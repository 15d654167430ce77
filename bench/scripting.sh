#!/usr/bin/env bash
# Scripting throughput, Lodestone beside redis-server in one run: EVALSHA of scripts that SCRIPT LOAD
# put in both servers' caches, run by redis-benchmark as custom commands over random keys, each test
# against both servers in turn (the order alternating over the rounds), after an unmeasured warm-up
# round; medians of the rounds; req/s, p50, p99 and the worst max latency.
#   EVALSHA 1 call    return redis.call('incr', KEYS[1])  with KEYS[1] = bench:c:<rand>
#   EVALSHA 10 calls  SET, INCR, INCRBY, GET on KEYS[1] = bench:s:<rand>, then HSET, HSET, HINCRBY,
#                     HGET, EXISTS, HLEN on KEYS[2] = bench:h:<rand> (each <rand> drawn on its own)
# Each at -P 1 and -P 16, -c 50, -r K (random keys over K names). Servers start empty, without
# persistence; both scripts are loaded once, each server is checked to run them before measuring, and
# INFO errorstats to show no error reply (NOSCRIPT, OOM) after each round.
#
# Usage: bench/scripting.sh [-n N] [-r ROUNDS] [-k KEYS] [-h]
#   -n N   requests per test at -P 16 (default 1000000; -P 1 gets N / 5)
#   -r R   rounds (default 3)
#   -k K   keyspace: redis-benchmark's -r (default 1000000)
# Environment: JAVA_HOME, LODESTONE_JAVA_OPTS, REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI,
# LODESTONE_BENCH_LOCK (as compare.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REQUESTS=1000000
ROUNDS=3
KEYSPACE=1000000
while getopts "n:r:k:h" opt; do
  case "$opt" in
    n) REQUESTS="$OPTARG" ;;
    r) ROUNDS="$OPTARG" ;;
    k) KEYSPACE="$OPTARG" ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
is_uint "$REQUESTS" && is_uint "$ROUNDS" && is_uint "$KEYSPACE" || die "-n, -r and -k take whole numbers"
(( KEYSPACE > 0 )) || die "-k must be positive"

SMALL_SCRIPT="return redis.call('incr', KEYS[1])"
TEN_CALL_SCRIPT="redis.call('set', KEYS[1], ARGV[1])
redis.call('incr', KEYS[1])
redis.call('incrby', KEYS[1], 2)
local v = redis.call('get', KEYS[1])
redis.call('hset', KEYS[2], 'count', v)
redis.call('hset', KEYS[2], 'seen', ARGV[1])
redis.call('hincrby', KEYS[2], 'hits', 1)
redis.call('hget', KEYS[2], 'count')
redis.call('exists', KEYS[1])
return redis.call('hlen', KEYS[2])"

bench_setup scripting
lodestone_launch
take_lock
start_server redis "$REDIS_SERVER"
start_server lodestone "${LODESTONE_LAUNCH[@]}"
SERVERS=(redis lodestone)

# load PORT SCRIPT: SCRIPT LOAD, printing the sha1 the server answers.
load() {
  local sha
  sha="$("$REDIS_CLI" -h 127.0.0.1 -p "$1" SCRIPT LOAD "$2")"
  [[ "$sha" =~ ^[0-9a-f]{40}$ ]] || die "SCRIPT LOAD on port $1 answered: $sha"
  echo "$sha"
}

# check PORT EXPECTED ARGS...: EVALSHA ARGS... must answer EXPECTED (an integer, not an error).
check() {
  local port="$1" expected="$2" got
  shift 2
  got="$("$REDIS_CLI" -h 127.0.0.1 -p "$port" EVALSHA "$@" 2>&1)"
  [[ "$got" == "$expected" ]] || die "EVALSHA $* on port $port answered '$got', not '$expected'"
}

SMALL_SHA=""
TEN_SHA=""
for s in "${SERVERS[@]}"; do
  port_var="PORT_$s"
  port="${!port_var}"
  small="$(load "$port" "$SMALL_SCRIPT")"
  ten="$(load "$port" "$TEN_CALL_SCRIPT")"
  [[ -z "$SMALL_SHA" || ( "$small" == "$SMALL_SHA" && "$ten" == "$TEN_SHA" ) ]] ||
    die "the servers disagree on the scripts' sha1: $SMALL_SHA $TEN_SHA / $small $ten"
  SMALL_SHA="$small"
  TEN_SHA="$ten"
  check "$port" 1 "$SMALL_SHA" 1 bench:check
  check "$port" 3 "$TEN_SHA" 2 bench:check:s bench:check:h 7
  # Counted from here: errors before (a PING answered -LOADING during start-up) are not the benchmark's.
  "$REDIS_CLI" -h 127.0.0.1 -p "$port" FLUSHALL >/dev/null
  "$REDIS_CLI" -h 127.0.0.1 -p "$port" CONFIG RESETSTAT >/dev/null
done
log "scripts: $SMALL_SHA (1 call), $TEN_SHA (10 calls)"

# run PORT DEPTH N ARGS...: "req/s p50 p99 max" of one redis-benchmark run of the command ARGS.
run() {
  local port="$1" depth="$2" n="$3"
  shift 3
  if ! run_helper "$WORK/b.out" "$WORK/b.err" "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$port" -c 50 -n "$n" \
      -P "$depth" -r "$KEYSPACE" --csv "$@"; then
    log "redis-benchmark failed on port $port: $(tail -n 3 "$WORK/b.err")"
    echo "error error error error"
    return
  fi
  awk -F'"' 'NR == 2 { print $4, $10, $14, $16 }' "$WORK/b.out"
}

# whole X: X rounded to an integer if it is a number, else as it is ("-").
whole() { awk -v x="$1" 'BEGIN { if (x ~ /^[0-9]+([.][0-9]*)?$/) printf "%.0f", x; else printf "%s", x }'; }

declare -A RPS P50 P99 MAX
TESTS=("EVALSHA 1 call" "EVALSHA 10 calls")
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
          "EVALSHA 1 call") r="$(run "$port" "$depth" "$n" EVALSHA "$SMALL_SHA" 1 'bench:c:__rand_int__')" ;;
          "EVALSHA 10 calls") r="$(run "$port" "$depth" "$n" EVALSHA "$TEN_SHA" 2 'bench:s:__rand_int__' \
                                  'bench:h:__rand_int__' 1)" ;;
        esac
        (( round == 0 )) && continue
        read -r rps p50 p99 max <<<"$r"
        key="$t|$depth|$s"
        RPS[$key]+="$rps "
        P50[$key]+="$p50 "
        P99[$key]+="$p99 "
        MAX[$key]+="$max "
      done
    done
  done
  # No request may have been answered with an error (NOSCRIPT, OOM): the figures would not be EVALSHA's.
  for s in "${SERVERS[@]}"; do
    port_var="PORT_$s"
    errors="$("$REDIS_CLI" -h 127.0.0.1 -p "${!port_var}" INFO errorstats | grep '^errorstat_' || true)"
    [[ -z "$errors" ]] || die "$s answered errors in round $round: $errors"
    "$REDIS_CLI" -h 127.0.0.1 -p "${!port_var}" FLUSHALL >/dev/null
  done
done

echo "redis-benchmark -c 50 -r $KEYSPACE, -P 16: $REQUESTS requests, -P 1: $((REQUESTS / 5)); medians of $ROUNDS interleaved rounds."
echo "Lodestone: $LODESTONE_DESC"
echo
echo "| test | pipeline | redis-server req/s | Lodestone req/s | ratio | p50 ms R / L | p99 ms R / L | max ms R / L |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for t in "${TESTS[@]}"; do
  for depth in 1 16; do
    r="$(median <<<"${RPS[$t|$depth|redis]}")"
    l="$(median <<<"${RPS[$t|$depth|lodestone]}")"
    printf '| %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s |\n' "$t" "$depth" "$(whole "$r")" "$(whole "$l")" \
      "$(ratio "$l" "$r")" \
      "$(median <<<"${P50[$t|$depth|redis]}")" "$(median <<<"${P50[$t|$depth|lodestone]}")" \
      "$(median <<<"${P99[$t|$depth|redis]}")" "$(median <<<"${P99[$t|$depth|lodestone]}")" \
      "$(tr ' ' '\n' <<<"${MAX[$t|$depth|redis]}" | sort -g | tail -1)" \
      "$(tr ' ' '\n' <<<"${MAX[$t|$depth|lodestone]}" | sort -g | tail -1)"
  done
done
