#!/usr/bin/env bash
# Memory of lists: loads the same lists into Lodestone and into redis-server (same commands through
# `redis-cli --pipe`) and reports each server's memory growth per list element.
#
# Usage: bench/list-memory.sh [-n ELEMENTS] [-k SMALL_KEYS] [-e SMALL_ELEMENTS]
#   large:   one list of ELEMENTS (default 1000000) strings "value-<i>", then one of ELEMENTS integers <i>
#   small:   SMALL_KEYS lists (default 100) of SMALL_ELEMENTS (default 10) strings "value-<i>"
# Redis: used_memory growth. Lodestone: live heap growth after a full GC (jcmd GC.run, then INFO
# used_memory), and the growth of live objects counted by `jmap -histo:live`, which is exact where
# the heap figure moves in whole 4 MB G1 regions. Everything is loaded and flushed once first, so
# buffers the I/O layer keeps after its first large requests are not counted as list memory.
# Small lists include each key's own cost (key, entry, list object), as in Redis.
set -euo pipefail
N=1000000
K=100
E=10
while getopts "n:k:e:h" opt; do
  case "$opt" in
    n) N="$OPTARG" ;; k) K="$OPTARG" ;; e) E="$OPTARG" ;;
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
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/r" >/dev/null & PIDS+=($!)
LP=$(port); mkdir "$WORK/l"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
"$JAVA" ${LODESTONE_JAVA_OPTS:-} -cp "$ROOT/target/lodestone.jar:$ROOT/target/lib/*" io.lodestone.server.Main \
  --port "$LP" --bind 127.0.0.1 --save '' --dir "$WORK/l" >"$WORK/l.log" 2>&1 & PIDS+=($!); LPID=$!
wait_ping "$RP"; wait_ping "$LP"

# RPUSH in batches of 1000 elements, as a client loading a list would.
python3 - "$N" "$K" "$E" "$WORK" <<'PY'
import sys
n, k, e, work = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def cmd(args):
    return b'*%d\r\n' % len(args) + b''.join(b'$%d\r\n%s\r\n' % (len(a), a) for a in args)
def load(path, key_elems):
    with open(path, 'wb') as out:
        for key, elems in key_elems:
            for i in range(0, len(elems), 1000):
                out.write(cmd([b'RPUSH', key] + elems[i:i + 1000]))
load(work + '/strings.resp', [(b'biglist:s', [b'value-%d' % i for i in range(n)])])
load(work + '/ints.resp', [(b'biglist:i', [b'%d' % i for i in range(n)])])
load(work + '/small.resp', [(b'list:%06d' % j, [b'value-%d' % i for i in range(e)]) for j in range(k)])
PY

used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}'; }
jgc() { jcmd "$LPID" GC.run >/dev/null 2>&1 || true; sleep 1; }
live() { jmap -histo:live "$LPID" | awk '$1 == "Total" {print $3}'; }
per() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (b - a) / n }'; }

for name in strings ints small; do
  redis-cli -p "$RP" --pipe <"$WORK/$name.resp" >/dev/null
  redis-cli -p "$LP" --pipe <"$WORK/$name.resp" >/dev/null
done
redis-cli -p "$RP" flushall >/dev/null; redis-cli -p "$LP" flushall >/dev/null

echo "| data set | redis-server $(redis-server --version | awk '{print $3}') used_memory | Lodestone heap after GC | Lodestone live objects |"
echo "| --- | ---: | ---: | ---: |"
for set in strings:$N ints:$N small:$((K * E)); do
  name=${set%%:*}; count=${set##*:}
  r0=$(used "$RP"); jgc; l0=$(used "$LP"); h0=$(live)
  redis-cli -p "$RP" --pipe <"$WORK/$name.resp" >/dev/null
  redis-cli -p "$LP" --pipe <"$WORK/$name.resp" >/dev/null
  r1=$(used "$RP"); jgc; l1=$(used "$LP"); h1=$(live)
  case "$name" in
    strings) label="1 list of $N strings \"value-<i>\"" ;;
    ints) label="1 list of $N integers 0..$((N - 1))" ;;
    small) label="$K lists of $E strings \"value-<i>\" (per element, keys included)" ;;
  esac
  echo "| $label | $(per "$r0" "$r1" "$count") | $(per "$l0" "$l1" "$count") | $(per "$h0" "$h1" "$count") |"
done
