#!/usr/bin/env bash
# Measures how long a failover managed by real redis-sentinel takes, redis-server against Lodestone,
# in one run on the same machine (bench/failover.py does the work). For each family and each Sentinel
# setting: a master and two replicas of that family, three redis-sentinel processes (quorum 2), a
# writer SETting a new key every 5 ms on the master Sentinel names (SENTINEL GET-MASTER-ADDR-BY-NAME,
# asked again after any error). The master is killed with SIGKILL; measured per round:
#   switch   kill -> the first sentinel names the new master
#   write    kill -> the first write the new master accepts
# The killed server is restarted on its port; Sentinel makes it a replica of the new master before
# the next round. With Sentinel's defaults (down-after-milliseconds 30000) one round is run; with a
# shorter down-after-milliseconds, ROUNDS rounds (failover-timeout then 2 x down-after, at least
# 2000 ms, so that the sentinels may fail the same master name over again). The table shows the
# median of the rounds.
#
# Usage: bench/failover.sh [options]
#   -d DOWN_AFTERS  comma-separated down-after-milliseconds values; 0 = Sentinel's default (default "0,1000")
#   -r ROUNDS       rounds per shortened setting (default 3)
#   -h              this help
#
# Environment: JAVA_HOME (the JDK), REDIS_SERVER, REDIS_SENTINEL (default: on the PATH), PYTHON
# (default python3), LODESTONE_BENCH_LOCK (as bench/compare.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOWNS="0,1000"
ROUNDS=3
while getopts "d:r:h" opt; do
  case "$opt" in
    d) DOWNS="$OPTARG" ;;
    r) ROUNDS="$OPTARG" ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
is_uint "$ROUNDS" || die "-r takes a whole number"
REDIS_SERVER="${REDIS_SERVER:-redis-server}"
REDIS_SENTINEL="${REDIS_SENTINEL:-redis-sentinel}"
PYTHON="${PYTHON:-python3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for tool in "$REDIS_SERVER" "$REDIS_SENTINEL" "$PYTHON"; do command -v "$tool" >/dev/null || die "$tool not found"; done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lodestone-failover.XXXXXX")"
HELPER_PID=""
cleanup() {
  [[ -n "$HELPER_PID" ]] && kill -TERM "$HELPER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

lodestone_launch
take_lock
log "failover rounds: redis-server, then Lodestone (Sentinel's defaults take over 30 s a round)"
run_helper "$WORK/rounds" "$WORK/err" env PYTHONPATH="$ROOT/bench" "$PYTHON" "$ROOT/bench/failover.py" \
  "$(command -v "$REDIS_SENTINEL")" "$ROUNDS" "$DOWNS" -- "redis-server=$(command -v "$REDIS_SERVER")" \
  -- "Lodestone=${LODESTONE_LAUNCH[0]}" "${LODESTONE_LAUNCH[@]:1}" || { cat "$WORK/err" >&2; die "failover.py failed"; }

echo "redis-sentinel $("$REDIS_SENTINEL" --version | awk '{print $3}'), 3 sentinels (quorum 2), a master and 2 replicas; times in ms from SIGKILL of the master."
echo "Lodestone: $LODESTONE_DESC"
echo
echo "| down-after-milliseconds | rounds | redis-server: switch | write | Lodestone: switch | write | write ratio |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
IFS=, read -r -a downs <<<"$DOWNS"
for d in "${downs[@]}"; do
  key="$d"; [[ "$d" == 0 ]] && key=default
  rs="$(awk -v k="$key" '$1 == "redis-server" && $2 == k { print $4 }' "$WORK/rounds" | median)"
  rw="$(awk -v k="$key" '$1 == "redis-server" && $2 == k { print $5 }' "$WORK/rounds" | median)"
  ls="$(awk -v k="$key" '$1 == "Lodestone" && $2 == k { print $4 }' "$WORK/rounds" | median)"
  lw="$(awk -v k="$key" '$1 == "Lodestone" && $2 == k { print $5 }' "$WORK/rounds" | median)"
  n="$(awk -v k="$key" '$1 == "Lodestone" && $2 == k' "$WORK/rounds" | wc -l)"
  echo "| $key | $n | $rs | $rw | $ls | $lw | $(ratio "$lw" "$rw") |"
done
echo
echo "Every round (family, setting, round, switch ms, write ms):"
echo
sed 's/^/    /' "$WORK/rounds"
