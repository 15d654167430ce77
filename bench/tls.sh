#!/usr/bin/env bash
# Measures TLS: redis-benchmark --tls against Lodestone and against redis-server's own TLS, with plain
# TCP beside each for scale, in one run on the same machine, these servers:
#   redis-server          TCP, then TLS (--port 0 --tls-port)
#   Lodestone             TCP, then TLS with each provider of -p: "openssl" (BoringSSL through
#                         netty-tcnative, what Lodestone uses unless the settings need the JDK's) and
#                         "jdk" (the JDK's SSLEngine, the fallback), forced with -Dlodestone.tls.provider
# All run at once; each gets an unmeasured warm-up of N SETs and N GETs at -P 16, then R rounds: SET and
# GET at -P 16 (N requests) and -P 1 (N / 5) over random keys (-r K), -c 50, each test against every
# server in turn, the order rotating by round, so load from elsewhere on the machine hits all alike;
# the tables show the medians of the rounds. The certificates are made for the run
# with openssl (a CA, a server and a client certificate, RSA 2048 as Redis's gen-test-certs.sh);
# clients present theirs (tls-auth-clients yes, Redis's default). TLS 1.3, each side's default suite.
# Reported: median req/s and p99 per test; the server's CPU time per request (user + system from
# /proc, every thread), which machine load elsewhere does not change; and each TLS row's req/s as a
# ratio to redis-server TLS's and to the same server's plain TCP.
#
# Usage: bench/tls.sh [options]
#   -p PROVIDERS  comma-separated Lodestone TLS providers (default openssl,jdk)
#   -n N          requests per -P 16 test (default 1000000; -P 1 gets N / 5)
#   -k K          keyspace, redis-benchmark -r (default 1000000)
#   -r R          rounds (default 3)
#   -h            this help
#
# Environment: JAVA_HOME (the JDK), REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI (default: on the PATH),
# LODESTONE_BENCH_LOCK (as bench/compare.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROVIDERS=openssl,jdk
REQUESTS=1000000
KEYS=1000000
ROUNDS=3
while getopts "p:n:k:r:h" opt; do
  case "$opt" in
    p) PROVIDERS="$OPTARG" ;;
    n) REQUESTS="$OPTARG" ;;
    k) KEYS="$OPTARG" ;;
    r) ROUNDS="$OPTARG" ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
is_uint "$REQUESTS" && is_uint "$KEYS" && is_uint "$ROUNDS" || die "-n, -k and -r take whole numbers"

bench_setup tls openssl

# A CA and two certificates signed by it, as Redis's utils/gen-test-certs.sh makes them.
CERTS="$WORK/certs"
mkdir -p "$CERTS"
(
  cd "$CERTS"
  openssl genrsa -out ca.key 2048
  openssl req -x509 -new -nodes -sha256 -key ca.key -days 2 -subj '/O=Lodestone bench/CN=CA' -out ca.crt
  for name in server client; do
    openssl genrsa -out "$name.key" 2048
    openssl req -new -sha256 -subj "/O=Lodestone bench/CN=$name" -key "$name.key" |
      openssl x509 -req -sha256 -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out "$name.crt"
  done
) >/dev/null 2>&1 || die "openssl could not make the certificates"
SERVER_TLS=(--tls-cert-file "$CERTS/server.crt" --tls-key-file "$CERTS/server.key" --tls-ca-cert-file "$CERTS/ca.crt")
CLIENT_TLS=(--tls --cacert "$CERTS/ca.crt" --cert "$CERTS/client.crt" --key "$CERTS/client.key")

TLS_MODE=0  # launch and phase: 1 while the server under test listens for TLS only
cli() {  # cli PORT ARGS...: redis-cli over TCP or TLS (options before the command), as the server listens
  if (( TLS_MODE )); then "$REDIS_CLI" "${CLIENT_TLS[@]}" -p "$@"; else "$REDIS_CLI" -p "$@"; fi
}

launch() {  # launch PORT NAME COMMAND...
  local port="$1" name="$2" listen=(--port "$port")
  shift 2
  mkdir -p "$WORK/$name"
  (( TLS_MODE )) && listen=(--port 0 --tls-port "$port" "${SERVER_TLS[@]}")
  "$@" "${listen[@]}" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/$name" >"$WORK/$name.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 300); do
    cli "$port" PING 2>/dev/null | grep -q PONG && return 0
    kill -0 "$STARTED_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# phase PORT TEST DEPTH N: sets PHASE to "req/s / p99" and RPS.
phase() {
  local tls=()
  (( TLS_MODE )) && tls=("${CLIENT_TLS[@]}")
  run_helper "$WORK/b.out" "$WORK/b.err" "$REDIS_BENCHMARK" -p "$1" -c 50 -n "$4" -P "$3" -t "$2" -r "$KEYS" \
    "${tls[@]}" --csv || die "redis-benchmark failed: $(tail -n 3 "$WORK/b.err")"
  RPS="$(awk -F'"' 'NR == 2 { printf "%.0f", $4 }' "$WORK/b.out")"
  PHASE="$(awk -F'"' 'NR == 2 { printf "%.0f / %s", $4, $14 }' "$WORK/b.out")"
}

# Every server runs at once (idle ones cost nothing) so that the measurements can interleave: for each
# round, each test runs against every server in turn, the order rotating by round, and the tables show
# medians. On a shared machine, load that comes and goes then hits every server alike.
LABELS=() PORTS=() TLSOF=() SPIDS=()
# start LABEL TLS COMMAND...: starts a server and warms it up (the JIT compiles first; not reported).
start() {
  local label="$1" name="s${#LABELS[@]}"
  TLS_MODE="$2"
  shift 2
  start_with_retries "$label" "$WORK/$name.log" 60 launch "$name" "$@"
  log "$label: warming up"
  phase "$STARTED_PORT" set 16 "$REQUESTS"
  phase "$STARTED_PORT" get 16 "$REQUESTS"
  LABELS+=("$label") PORTS+=("$STARTED_PORT") TLSOF+=("$TLS_MODE") SPIDS+=("$STARTED_PID")
  TLS_MODE=0
}

lodestone_launch
# provider_launch P: Lodestone's launch with -Dlodestone.tls.provider=P (forced, whatever the settings).
provider_launch() {
  local a out=()
  [[ -z "${LODESTONE_CMD:-}" ]] || die "-p cannot be combined with LODESTONE_CMD"
  for a in "${LODESTONE_LAUNCH[@]}"; do
    [[ "$a" == io.lodestone.server.Main ]] && out+=("-Dlodestone.tls.provider=$1")
    out+=("$a")
  done
  PROVIDER_LAUNCH=("${out[@]}")
}
take_lock
start "redis-server TCP" 0 "$REDIS_SERVER"
start "redis-server TLS" 1 "$REDIS_SERVER"
start "Lodestone TCP" 0 "${LODESTONE_LAUNCH[@]}"
IFS=, read -r -a providers <<<"$PROVIDERS"
for p in "${providers[@]}"; do
  [[ "$p" == jdk || "$p" == openssl ]] || die "unknown provider $p (openssl, jdk)"
  provider_launch "$p"
  start "Lodestone TLS $p" 1 "${PROVIDER_LAUNCH[@]}"
done

# cpu_ticks PID: the process's user + system CPU time so far, in clock ticks (every thread: for a JVM
# also the collector and the JIT). Per request it is what a server costs, whatever else the machine runs.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
HZ="$(getconf CLK_TCK)"
declare -A RPS_RUNS P99_RUNS CPU_RUNS
TESTS=("set 16" "get 16" "set 1" "get 1")
n_servers=${#LABELS[@]}
for ((round = 0; round < ROUNDS; round++)); do
  log "round $((round + 1)) of $ROUNDS"
  for t in "${TESTS[@]}"; do
    read -r test depth <<<"$t"
    n="$REQUESTS"
    (( depth == 1 )) && n=$((REQUESTS / 5))
    for ((k = 0; k < n_servers; k++)); do
      i=$(( (k + round) % n_servers ))
      TLS_MODE="${TLSOF[$i]}"
      before="$(cpu_ticks "${SPIDS[$i]}")"
      phase "${PORTS[$i]}" "$test" "$depth" "$n"
      after="$(cpu_ticks "${SPIDS[$i]}")"
      CPU_RUNS["$i,$test$depth"]+=" $(awk -v t=$((after - before)) -v hz="$HZ" -v n="$n" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')"
      RPS_RUNS["$i,$test$depth"]+=" $RPS"
      P99_RUNS["$i,$test$depth"]+=" $(awk -F'"' 'NR == 2 { print $14 }' "$WORK/b.out")"
    done
  done
done
TLS_MODE=0

declare -A R C
ROWS=() CROWS=()
for ((i = 0; i < n_servers; i++)); do
  row="| ${LABELS[$i]}" crow="| ${LABELS[$i]}"
  for t in set16 get16 set1 get1; do
    R["${LABELS[$i]},$t"]="$(median <<<"${RPS_RUNS[$i,$t]}")"
    C["${LABELS[$i]},$t"]="$(median <<<"${CPU_RUNS[$i,$t]}")"
    row+=" | ${R[${LABELS[$i]},$t]} / $(median <<<"${P99_RUNS[$i,$t]}")"
    crow+=" | ${C[${LABELS[$i]},$t]}"
  done
  ROWS+=("$row |") CROWS+=("$crow |")
done
for ((i = 0; i < n_servers; i++)); do
  TLS_MODE="${TLSOF[$i]}"
  cli "${PORTS[$i]}" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
done
TLS_MODE=0

echo "redis-benchmark -c 50 -r $KEYS [--tls --cacert --cert --key]; -P 16: $REQUESTS requests, -P 1: $((REQUESTS / 5)); medians of $ROUNDS interleaved rounds."
echo "Lodestone: $LODESTONE_DESC"
echo
echo "| server | SET -P 16 req/s / p99 ms | GET -P 16 | SET -P 1 | GET -P 1 |"
echo "| --- | ---: | ---: | ---: | ---: |"
printf '%s\n' "${ROWS[@]}"
echo
echo "Server CPU per request (user + system, all threads), microseconds:"
echo
echo "| server | SET -P 16 | GET -P 16 | SET -P 1 | GET -P 1 |"
echo "| --- | ---: | ---: | ---: | ---: |"
printf '%s\n' "${CROWS[@]}"
echo
echo "| server | SET -P 16 / redis TLS | GET -P 16 / redis TLS | SET -P 1 / redis TLS | GET -P 1 / redis TLS | SET -P 16 / own TCP | GET -P 16 / own TCP | SET -P 1 / own TCP | GET -P 1 / own TCP |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for label in "${LABELS[@]}"; do
  [[ "$label" == *TLS* ]] || continue
  tcp="redis-server TCP"
  [[ "$label" == Lodestone* ]] && tcp="Lodestone TCP"
  row="| $label"
  for t in set16 get16 set1 get1; do row+=" | $(ratio "${R[$label,$t]}" "${R[redis-server TLS,$t]}")"; done
  for t in set16 get16 set1 get1; do row+=" | $(ratio "${R[$label,$t]}" "${R[$tcp,$t]}")"; done
  echo "$row |"
done
