#!/usr/bin/env bash
# Memory per key or element: loads the same data into Lodestone and into redis-server (same
# commands through `redis-cli --pipe`) and reports the growth of each server's memory divided by
# the number of items.
#
# Usage: bench/memory.sh [-t TYPE] [-n ITEMS] [-d VALUE_BYTES] [-k ELEMENTS_PER_KEY]
#   -t string (default): N keys "key:%012d" (16 bytes) with D-byte values
#   -t list|hash|set|zset|geo: N elements in total, K per key (default K = N: one big collection;
#      a small K such as 10 measures the compact encodings)
#   -t stream: N entries in total, K per key, each "XADD key <i>-1 sensor <elem> temp <i%50> hum <D bytes>"
#      (explicit IDs, so both servers hold the same bytes; nodes are cut by the default
#      stream-node-max-bytes/entries)
# Redis: used_memory (what its allocator holds for data) and RSS. Lodestone: used_memory (the
# accounted figure maxmemory acts on), the live heap after a full GC (jcmd GC.run, then INFO
# allocator_active), so the two can be compared, and RSS.
set -euo pipefail
N=1000000
D=16
T=string
K=""
while getopts "t:n:d:k:h" opt; do
  case "$opt" in
    t) T="$OPTARG" ;; n) N="$OPTARG" ;; d) D="$OPTARG" ;; k) K="$OPTARG" ;;
    *) sed -n '2,14p' "$0"; exit 0 ;;
  esac
done
K="${K:-$N}"
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

python3 - "$T" "$N" "$D" "$K" >"$WORK/load.resp" <<'PY'
import sys
t, n, d, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
out = sys.stdout.buffer
def cmd(*args):
    out.write(b'*%d\r\n' % len(args) + b''.join(b'$%d\r\n%s\r\n' % (len(a), a) for a in args))
v = b'v' * d
for i in range(n):
    key = b'key:%012d' % (i // per)
    elem = b'e:%012d' % i  # 14 bytes
    if t == 'string':
        cmd(b'SET', b'key:%012d' % i, v)
    elif t == 'list':
        cmd(b'RPUSH', key, elem)
    elif t == 'hash':
        cmd(b'HSET', key, elem, v)
    elif t == 'set':
        cmd(b'SADD', key, elem)
    elif t == 'zset':
        cmd(b'ZADD', key, b'%d' % i, elem)
    elif t == 'stream':
        cmd(b'XADD', key, b'%d-1' % (i + 1), b'sensor', elem, b'temp', b'%d' % (i % 50), b'hum', v)
    elif t == 'geo':
        cmd(b'GEOADD', key, b'%.6f' % (-179.0 + (i * 0.000337) % 358.0), b'%.6f' % (-84.0 + (i * 0.000191) % 168.0), elem)
    else:
        sys.exit('unknown type ' + t)
PY

rss() { awk '/VmRSS/ {print $2 * 1024}' "/proc/$1/status"; }
field() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }
used() { field "$1" used_memory; }
heap() { field "$1" allocator_active; }
jgc() { jcmd "$LPID" GC.run >/dev/null 2>&1 || true; sleep 1; }

# Warm both servers with the same load once, so buffers and code the first load allocates (Netty's
# pooled I/O buffers, JIT code, Redis's client buffers) are not counted as data.
redis-cli -p "$RP" --pipe <"$WORK/load.resp" >/dev/null; redis-cli -p "$RP" flushall >/dev/null
redis-cli -p "$LP" --pipe <"$WORK/load.resp" >/dev/null; redis-cli -p "$LP" flushall >/dev/null
r_used0=$(used "$RP"); r_rss0=$(rss "$RPID")
jgc; l_used0=$(used "$LP"); l_heap0=$(heap "$LP"); l_rss0=$(rss "$LPID")
redis-cli -p "$RP" --pipe <"$WORK/load.resp" >/dev/null
redis-cli -p "$LP" --pipe <"$WORK/load.resp" >/dev/null
[[ "$(redis-cli -p "$RP" dbsize)" == "$(redis-cli -p "$LP" dbsize)" && "$(redis-cli -p "$RP" dbsize)" -gt 0 ]] || { echo "load failed" >&2; exit 1; }
r_used1=$(used "$RP"); r_rss1=$(rss "$RPID")
jgc; l_used1=$(used "$LP"); l_heap1=$(heap "$LP"); l_rss1=$(rss "$LPID")

per() { awk -v a="$1" -v b="$2" -v n="$N" 'BEGIN { printf "%.0f", (b - a) / n }'; }
if [[ "$T" == string ]]; then
  echo "$N keys of 16 bytes with $D-byte values, loaded with redis-cli --pipe"
else
  valdesc=""; [[ "$T" == hash ]] && valdesc=" (values of $D bytes)"
  [[ "$T" == stream ]] && valdesc=" (entries of 3 fields, the last value of $D bytes)"
  echo "$T: $N elements of 14 bytes$valdesc, $K per key ($(redis-cli -p "$RP" object encoding key:000000000000) in Redis), loaded with redis-cli --pipe"
fi
echo
echo "| server | data bytes/item | RSS bytes/item |"
echo "| --- | ---: | ---: |"
echo "| redis-server $(redis-server --version | awk '{print $3}') (used_memory) | $(per "$r_used0" "$r_used1") | $(per "$r_rss0" "$r_rss1") |"
echo "| Lodestone (used_memory, accounted) | $(per "$l_used0" "$l_used1") | $(per "$l_rss0" "$l_rss1") |"
echo "| Lodestone (live heap after full GC) | $(per "$l_heap0" "$l_heap1") | |"
