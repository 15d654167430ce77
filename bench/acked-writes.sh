#!/usr/bin/env bash
# Measures what synchronous replication (min-replicas-ack, docs/REPLICATION.md) costs: a master with
# one replica of its own kind, written by redis-benchmark, in one run on the same machine:
#   redis-server          asynchronous replication (the baseline a Redis user has)
#   Lodestone             asynchronous replication
#   Lodestone ack N       --min-replicas-ack N (every write's reply waits for the replica's ack)
# One master-replica pair runs at a time. Each pair: the replica attached and in sync, then SET over
# random keys (-r K) at -P 16 (N requests) and -P 1 (N / 5 requests), -c 50, after an unmeasured
# warm-up of N SETs at -P 16 on the same pair. Reported per test: req/s, p50, p99 and max latency
# (redis-benchmark --csv), and each Lodestone row's req/s as a ratio to asynchronous Lodestone's and
# to redis-server's.
#
# Usage: bench/acked-writes.sh [options]
#   -a ACKS       comma-separated min-replicas-ack values for Lodestone (default 1)
#   -n N          requests per -P 16 test (default 1000000; -P 1 gets N / 5)
#   -k K          keyspace, redis-benchmark -r (default 1000000)
#   -h            this help
#
# Environment: JAVA_HOME (the JDK), REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI (default: on the PATH),
# LODESTONE_BENCH_LOCK (as bench/compare.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ACKS=1
REQUESTS=1000000
KEYS=1000000
while getopts "a:n:k:h" opt; do
  case "$opt" in
    a) ACKS="$OPTARG" ;;
    n) REQUESTS="$OPTARG" ;;
    k) KEYS="$OPTARG" ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
is_uint "$REQUESTS" && is_uint "$KEYS" || die "-n and -k take whole numbers"

bench_setup acked

launch() {  # launch PORT NAME COMMAND...
  local port="$1" name="$2"
  shift 2
  mkdir -p "$WORK/$name"
  "$@" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/$name" \
    --repl-diskless-sync-delay 0 >"$WORK/$name.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 300); do
    "$REDIS_CLI" -p "$port" PING 2>/dev/null | grep -q PONG && return 0
    kill -0 "$STARTED_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

field() {  # field PORT NAME: a field of INFO replication
  "$REDIS_CLI" -p "$1" INFO replication | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'
}

# phase PORT DEPTH N: sets PHASE to "req/s | p50 | p99 | max" and RPS.
phase() {
  run_helper "$WORK/b.out" "$WORK/b.err" "$REDIS_BENCHMARK" -p "$1" -c 50 -n "$3" -P "$2" -t set -r "$KEYS" --csv \
    || die "redis-benchmark failed: $(tail -n 3 "$WORK/b.err")"
  RPS="$(awk -F'"' 'NR == 2 { printf "%.0f", $4 }' "$WORK/b.out")"
  PHASE="$(awk -F'"' 'NR == 2 { printf "%.0f | %s | %s | %s", $4, $10, $14, $16 }' "$WORK/b.out")"
}

ROWS=()
declare -A RPS16 RPS1
# measure LABEL COMMAND... -- MASTER-ARGS...: one pair's rows.
measure() {
  local label="$1" name="p${#ROWS[@]}" cmd=() extra=()
  shift
  while [[ $# -gt 0 && "$1" != -- ]]; do cmd+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  extra=("$@")
  start_with_retries "$label master" "$WORK/${name}m.log" 30 launch "${name}m" "${cmd[@]}" "${extra[@]}"
  local mport="$STARTED_PORT" mpid="$STARTED_PID"
  start_with_retries "$label replica" "$WORK/${name}r.log" 30 launch "${name}r" "${cmd[@]}"
  local rport="$STARTED_PORT" rpid="$STARTED_PID"
  "$REDIS_CLI" -p "$rport" REPLICAOF 127.0.0.1 "$mport" >/dev/null
  for _ in $(seq 300); do [[ "$(field "$rport" master_link_status)" == up ]] && break; sleep 0.1; done
  [[ "$(field "$rport" master_link_status)" == up ]] || die "$label: the replica's link did not come up"
  log "$label"
  phase "$mport" 16 "$REQUESTS" # warm-up, not reported
  phase "$mport" 16 "$REQUESTS"; RPS16[$label]="$RPS"; ROWS+=("| $label | 16 | $PHASE |")
  phase "$mport" 1 $((REQUESTS / 5)); RPS1[$label]="$RPS"; ROWS+=("| $label | 1 | $PHASE |")
  [[ "$(field "$mport" connected_slaves)" == 1 ]] || die "$label: the replica left during the run"
  "$REDIS_CLI" -p "$rport" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  "$REDIS_CLI" -p "$mport" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  for _ in $(seq 100); do kill -0 "$mpid" 2>/dev/null || kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
}

lodestone_launch
take_lock
measure redis-server "$REDIS_SERVER"
measure Lodestone "${LODESTONE_LAUNCH[@]}"
IFS=, read -r -a acks <<<"$ACKS"
for a in "${acks[@]}"; do
  measure "Lodestone ack $a" "${LODESTONE_LAUNCH[@]}" -- --min-replicas-ack "$a" --min-replicas-ack-timeout 5000
done

echo "redis-benchmark -t set -c 50 -r $KEYS; -P 16: $REQUESTS requests, -P 1: $((REQUESTS / 5)); master and one replica on this machine."
echo "Lodestone: $LODESTONE_DESC"
echo
echo "| pair | -P | SET req/s | p50 ms | p99 ms | max ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${ROWS[@]}"
echo
echo "| Lodestone | -P 16 / async Lodestone | -P 16 / redis-server | -P 1 / async Lodestone | -P 1 / redis-server |"
echo "| --- | ---: | ---: | ---: | ---: |"
for label in Lodestone "${acks[@]/#/Lodestone ack }"; do
  echo "| $label | $(ratio "${RPS16[$label]}" "${RPS16[Lodestone]}") | $(ratio "${RPS16[$label]}" "${RPS16[redis-server]}")" \
    "| $(ratio "${RPS1[$label]}" "${RPS1[Lodestone]}") | $(ratio "${RPS1[$label]}" "${RPS1[redis-server]}") |"
done
