#!/usr/bin/env bash
# Memory per geo-set element: loads the same GEOADDs into Lodestone and into redis-server
# (redis-cli --pipe) and reports each server's memory growth per element.
#
# Usage: bench/geo-memory.sh [-k KEYS] [-e ELEMENTS_PER_KEY] [-b GEOADD_BATCH]
#   defaults: 1 key of 1,000,000 elements (the large "skiplist" form);
#   -k 100 -e 10 measures the compact "listpack" form.
# Members are "m:%08d" (10 bytes), points spread over the globe (scores are 52-bit geohashes).
# Redis: used_memory. Lodestone: live
# heap after a full GC (jcmd GC.run, then INFO used_memory). Both are loaded and flushed once first,
# so buffers and pools are in the baseline. Figures include each key's own cost.
set -euo pipefail
K=1
E=1000000
B=100
while getopts "k:e:b:h" opt; do
  case "$opt" in
    k) K="$OPTARG" ;; e) E="$OPTARG" ;; b) B="$OPTARG" ;;
    *) sed -n '2,10p' "$0"; exit 0 ;;
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

python3 - "$K" "$E" "$B" >"$WORK/load.resp" <<'PY'
import sys
k, e, b = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
out = sys.stdout.buffer
def bulk(x):
    return b'$%d\r\n%s\r\n' % (len(x), x)
for key in range(k):
    kb = b'geo:%08d' % key
    for start in range(0, e, b):
        n = min(b, e - start)
        parts = [bulk(b'GEOADD'), bulk(kb)]
        for i in range(start, start + n):
            parts.append(bulk(b'%.6f' % ((i * 7919 % 360000) / 1000.0 - 180)))
            parts.append(bulk(b'%.6f' % ((i * 104729 % 170000) / 1000.0 - 85)))
            parts.append(bulk(b'm:%08d' % i))
        out.write(b"*%d\r\n" % (2 + 3 * n) + b''.join(parts))
PY

used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}'; }
jgc() { jcmd "$LPID" GC.run >/dev/null 2>&1 || true; sleep 1; jcmd "$LPID" GC.run >/dev/null 2>&1 || true; sleep 1; }

# A first load and FLUSHALL warm both servers up (buffers, pools, JIT), so the baseline holds them.
for p in "$RP" "$LP"; do redis-cli -p "$p" --pipe <"$WORK/load.resp" >/dev/null; redis-cli -p "$p" flushall >/dev/null; done
r0=$(used "$RP"); jgc; l0=$(used "$LP")
redis-cli -p "$RP" --pipe <"$WORK/load.resp" >/dev/null
redis-cli -p "$LP" --pipe <"$WORK/load.resp" >/dev/null
r1=$(used "$RP"); jgc; l1=$(used "$LP")
enc=$(redis-cli -p "$LP" object encoding geo:00000000)
[[ "$enc" == "$(redis-cli -p "$RP" object encoding geo:00000000)" ]] || { echo "encodings differ" >&2; exit 1; }
[[ "$(redis-cli -p "$LP" zcard geo:00000000)" == "$E" ]] || { echo "load failed" >&2; exit 1; }
N=$((K * E))
per() { awk -v a="$1" -v b="$2" -v n="$N" 'BEGIN { printf "%.1f", (b - a) / n }'; }
echo "$K key(s) x $E elements ($enc), 10-byte members, geohash scores"
echo
echo "| server | bytes/element |"
echo "| --- | ---: |"
echo "| redis-server $(redis-server --version | awk '{print $3}') (used_memory) | $(per "$r0" "$r1") |"
echo "| Lodestone (live heap after full GC) | $(per "$l0" "$l1") |"
