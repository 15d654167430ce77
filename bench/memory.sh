#!/usr/bin/env bash
# Memory per key: loads N string keys into Lodestone and into redis-server (same commands through
# `redis-cli --pipe`) and reports the growth of each server's memory divided by N.
#
# Usage: bench/memory.sh [-n KEYS] [-d VALUE_BYTES]      (defaults: 1000000 keys, 16-byte values)
# Redis: used_memory (what its allocator holds for data) and RSS. Lodestone: live heap after a full
# GC (jcmd GC.run, then INFO used_memory) and RSS. Keys are "key:%012d" (16 bytes), as
# redis-benchmark's "key:__rand_int__" keys are.
set -euo pipefail
N=1000000
D=16
while getopts "n:d:h" opt; do
  case "$opt" in
    n) N="$OPTARG" ;; d) D="$OPTARG" ;;
    *) sed -n '2,8p' "$0"; exit 0 ;;
  esac
done
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_ping() { for _ in $(seq 300); do redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return; sleep 0.1; done; echo "no PONG on $1" >&2; exit 1; }
[[ -f "$ROOT/target/lodestone.jar" ]] || (cd "$ROOT" && mvn -q -DskipTests package)

RP=$(port); mkdir "$WORK/r"
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/r" >/dev/null & PIDS+=($!); RPID=$!
LP=$(port); mkdir "$WORK/l"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
"$JAVA" ${LODESTONE_JAVA_OPTS:-} -cp "$ROOT/target/lodestone.jar:$ROOT/target/lib/*" io.lodestone.server.Main \
  --port "$LP" --bind 127.0.0.1 --save '' --dir "$WORK/l" >"$WORK/l.log" 2>&1 & PIDS+=($!); LPID=$!
wait_ping "$RP"; wait_ping "$LP"

python3 - "$N" "$D" >"$WORK/load.resp" <<'PY'
import sys
n, d = int(sys.argv[1]), int(sys.argv[2])
v = b'v' * d
out = sys.stdout.buffer
for i in range(n):
    k = b'key:%012d' % i
    out.write(b'*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n' % (len(k), k, len(v), v))
PY

rss() { awk '/VmRSS/ {print $2 * 1024}' "/proc/$1/status"; }
used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}'; }
jgc() { jcmd "$LPID" GC.run >/dev/null 2>&1 || true; sleep 1; }

r_used0=$(used "$RP"); r_rss0=$(rss "$RPID")
jgc; l_used0=$(used "$LP"); l_rss0=$(rss "$LPID")
redis-cli -p "$RP" --pipe <"$WORK/load.resp" >/dev/null
redis-cli -p "$LP" --pipe <"$WORK/load.resp" >/dev/null
[[ "$(redis-cli -p "$RP" dbsize)" == "$N" && "$(redis-cli -p "$LP" dbsize)" == "$N" ]] || { echo "load failed" >&2; exit 1; }
r_used1=$(used "$RP"); r_rss1=$(rss "$RPID")
jgc; l_used1=$(used "$LP"); l_rss1=$(rss "$LPID")

per() { awk -v a="$1" -v b="$2" -v n="$N" 'BEGIN { printf "%.0f", (b - a) / n }'; }
echo "$N keys of 16 bytes with $D-byte values, loaded with redis-cli --pipe"
echo
echo "| server | data bytes/key | RSS bytes/key |"
echo "| --- | ---: | ---: |"
echo "| redis-server $(redis-server --version | awk '{print $3}') (used_memory) | $(per "$r_used0" "$r_used1") | $(per "$r_rss0" "$r_rss1") |"
echo "| Lodestone (live heap after full GC) | $(per "$l_used0" "$l_used1") | $(per "$l_rss0" "$l_rss1") |"
