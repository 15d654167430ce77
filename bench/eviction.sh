#!/usr/bin/env bash
# Eviction at maxmemory, Lodestone beside redis-server in one run, both with the same maxmemory:
#   throughput   redis-benchmark SET -P 16 -c 50 -d 64 over -r 1000000 keys against a full server
#                (every SET of a new key evicts), per policy (allkeys-lru, allkeys-lfu): medians of
#                the rounds after an unmeasured warm-up round, p99 and the worst max latency
#   hit ratio    a cache-aside load from one client (GET; on a miss, SET) over 1,000,000 keys with a
#                Zipf(s) distribution under a smaller maxmemory (a cache holding a few percent of the
#                keys), the same sequence on both servers; hits / GETs after a warm-up of the same
#                length, per policy
# At the end each server's keys, used_memory and RSS are listed: the same maxmemory holds more keys
# where a key costs fewer accounted bytes.
#
# Usage: bench/eviction.sh [-m MAXMEMORY] [-M CACHE_MAXMEMORY] [-n N] [-r ROUNDS] [-g GETS] [-s ZIPF_S] [-h]
#   -m MAXMEMORY  both servers' maxmemory for the throughput tests (default 64mb)
#   -M MAXMEMORY  both servers' maxmemory for the hit-ratio load (default 8mb)
#   -n N          SET requests per throughput test (default 2000000)
#   -r ROUNDS     throughput rounds (default 3)
#   -g GETS       GETs of the hit-ratio load after as many warm-up GETs (default 400000)
#   -s S          the Zipf exponent (default 1.0)
# Environment: JAVA_HOME, REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI, LODESTONE_BENCH_LOCK (as compare.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MAXMEMORY=64mb
CACHE=8mb
REQUESTS=2000000
ROUNDS=3
GETS=400000
ZIPF=1.0
while getopts "m:M:n:r:g:s:h" opt; do
  case "$opt" in
    m) MAXMEMORY="$OPTARG" ;;
    M) CACHE="$OPTARG" ;;
    n) REQUESTS="$OPTARG" ;;
    r) ROUNDS="$OPTARG" ;;
    g) GETS="$OPTARG" ;;
    s) ZIPF="$OPTARG" ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
is_uint "$REQUESTS" && is_uint "$ROUNDS" && is_uint "$GETS" || die "-n, -r and -g take whole numbers"
PYTHON="${PYTHON:-/usr/bin/python3}"
"$PYTHON" -c 'import redis' 2>/dev/null || die "the hit-ratio load needs redis-py (python3-redis)"

bench_setup eviction
lodestone_launch
take_lock
start_server redis "$REDIS_SERVER"
start_server lodestone "${LODESTONE_LAUNCH[@]}"
SERVERS=(redis lodestone)
POLICIES=(allkeys-lru allkeys-lfu)

cli() { "$REDIS_CLI" -h 127.0.0.1 -p "$@"; }
port_of() { local v="PORT_$1"; echo "${!v}"; }
info_field() { cli "$1" INFO "$2" | tr -d '\r' | awk -F: -v f="$3" '$1 == f {print $2}'; }

# configure PORT POLICY [MAXMEMORY]: empty, the limit and the policy, statistics reset.
configure() {
  cli "$1" FLUSHALL >/dev/null
  cli "$1" CONFIG SET maxmemory "${3:-$MAXMEMORY}" >/dev/null
  cli "$1" CONFIG SET maxmemory-policy "$2" >/dev/null
  cli "$1" CONFIG RESETSTAT >/dev/null
}

# run PORT N: "req/s p99 max" of SET -P 16 over a million keys.
run() {
  if ! run_helper "$WORK/b.out" "$WORK/b.err" "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$1" -c 50 -n "$2" \
      -P 16 -d 64 -r 1000000 -t set --csv; then
    log "redis-benchmark failed on port $1: $(tail -n 3 "$WORK/b.err")"
    echo "error error error"
    return
  fi
  awk -F'"' 'NR == 2 { print $4, $14, $16 }' "$WORK/b.out"
}

declare -A RPS P99 MAX HIT KEYS USED RSS EVICTED
for policy in "${POLICIES[@]}"; do
  for s in "${SERVERS[@]}"; do
    configure "$(port_of "$s")" "$policy"
    # Fill to the limit, so every round measures a full server.
    run "$(port_of "$s")" "$REQUESTS" >/dev/null
  done
  for ((round = 0; round <= ROUNDS; round++)); do
    log "$policy: throughput round $round of $ROUNDS"
    order=("${SERVERS[@]}")
    (( round % 2 )) && order=(lodestone redis)
    for s in "${order[@]}"; do
      r="$(run "$(port_of "$s")" "$REQUESTS")"
      (( round == 0 )) && continue
      read -r rps p99 max <<<"$r"
      RPS[$policy|$s]+="$rps "
      P99[$policy|$s]+="$p99 "
      MAX[$policy|$s]+="$max "
    done
  done
  for s in "${SERVERS[@]}"; do
    port="$(port_of "$s")"
    configure "$port" "$policy" "$CACHE"
    log "$policy: hit ratio on $s"
    HIT[$policy|$s]="$("$PYTHON" - "$port" "$GETS" "$ZIPF" <<'PY'
import bisect, random, sys
import redis
port, gets, s = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
keys = 1000000
cdf, total = [], 0.0
for k in range(1, keys + 1):
    total += 1.0 / k ** s
    cdf.append(total)
rnd = random.Random(42)
def zipf():
    return bisect.bisect_left(cdf, rnd.random() * total)
r = redis.Redis(host='127.0.0.1', port=port)
value = b'v' * 64
def load(n):
    hits = 0
    batch = 200
    for _ in range(n // batch):
        ks = [b'key:%d' % zipf() for _ in range(batch)]
        p = r.pipeline(transaction=False)
        for k in ks:
            p.get(k)
        got = p.execute()
        p = r.pipeline(transaction=False)
        for k, v in zip(ks, got):
            if v is None:
                p.set(k, value)
            else:
                hits += 1
        p.execute()
    return hits / (n // batch * batch)
load(gets)          # warm-up: the cache fills
r.config_resetstat()
print('%.4f' % load(gets))
PY
)"
    KEYS[$policy|$s]="$(cli "$port" DBSIZE)"
    USED[$policy|$s]="$(info_field "$port" memory used_memory)"
    EVICTED[$policy|$s]="$(info_field "$port" stats evicted_keys)"
    RSS[$policy|$s]="$(awk '/VmRSS/ {print $2 * 1024}' "/proc/$(cli "$port" INFO server | tr -d '\r' | awk -F: '$1 == "process_id" {print $2}')/status")"
  done
done

echo "maxmemory $MAXMEMORY on both. Throughput: redis-benchmark -c 50 -P 16 -d 64 -r 1000000 -t set -n $REQUESTS"
echo "against a full server, medians of $ROUNDS interleaved rounds. Hit ratio: maxmemory $CACHE, cache-aside GET/SET"
echo "from one client, Zipf(s=$ZIPF) over 1,000,000 keys, 64-byte values, $GETS GETs after $GETS warm-up GETs, same"
echo "sequence on both."
echo "Lodestone: $LODESTONE_DESC"
echo
echo "| policy | redis-server SET/s | Lodestone SET/s | ratio | p99 ms R / L | max ms R / L | hit ratio R / L |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
for policy in "${POLICIES[@]}"; do
  r="$(median <<<"${RPS[$policy|redis]}")"
  l="$(median <<<"${RPS[$policy|lodestone]}")"
  printf '| %s | %.0f | %.0f | %s | %s / %s | %s / %s | %s / %s |\n' "$policy" "$r" "$l" "$(ratio "$l" "$r")" \
    "$(median <<<"${P99[$policy|redis]}")" "$(median <<<"${P99[$policy|lodestone]}")" \
    "$(tr ' ' '\n' <<<"${MAX[$policy|redis]}" | sort -g | tail -1)" \
    "$(tr ' ' '\n' <<<"${MAX[$policy|lodestone]}" | sort -g | tail -1)" \
    "${HIT[$policy|redis]}" "${HIT[$policy|lodestone]}"
done
echo
echo "After each hit-ratio load (evicted_keys: during the measured GETs):"
echo
echo "| policy | server | keys held | used_memory | RSS | evicted_keys |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for policy in "${POLICIES[@]}"; do
  for s in "${SERVERS[@]}"; do
    echo "| $policy | $s | ${KEYS[$policy|$s]} | ${USED[$policy|$s]} | ${RSS[$policy|$s]} | ${EVICTED[$policy|$s]} |"
  done
done
