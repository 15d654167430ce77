#!/usr/bin/env bash
# Measures how the collector copes with millions of keys: redis-server, then Lodestone once per set
# of JVM options, each alone on the machine (one server at a time), in one run.
#
# For each server: start it on a free loopback port (--save '' --appendonly no), fill it with
# redis-benchmark SET -P 16 over a keyspace of K names (-r K, K requests: about 63% of the names get
# a key), then SET -P 16, SET -P 1 and GET -P 16 over the same names. Reported per phase: req/s, p99
# and max latency (redis-benchmark --csv), the fill's wall time and the RSS after it; for Lodestone
# also its GC log (-Xlog:gc*): the number of pauses, their sum, and the three longest.
#
# Usage: bench/collector.sh [options]
#   -k K          keyspace (default 10000000)
#   -n N          requests per measured phase at -P 16 (default 3000000; -P 1 gets N / 10)
#   -o OPTIONS    JVM options for one Lodestone run, on top of jvm.options (repeatable; default one
#                 run with jvm.options alone). E.g. -o "" -o "-XX:+UseParallelGC"
#   -l DIR        keep the GC logs in DIR
#   -h            this help
#
# Environment: JAVA_HOME (the JDK), REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI (default: on the PATH),
# LODESTONE_BENCH_LOCK (as bench/compare.sh).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KEYS=10000000
REQUESTS=3000000
OPTION_SETS=()
LOGDIR=""
while getopts "k:n:o:l:h" opt; do
  case "$opt" in
    k) KEYS="$OPTARG" ;;
    n) REQUESTS="$OPTARG" ;;
    o) OPTION_SETS+=("$OPTARG") ;;
    l) LOGDIR="$OPTARG" ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
is_uint "$KEYS" && is_uint "$REQUESTS" || die "-k and -n take whole numbers"
[[ ${#OPTION_SETS[@]} -gt 0 ]] || OPTION_SETS=("")

bench_setup collector

launch() {  # launch PORT NAME COMMAND...
  local port="$1" name="$2"
  shift 2
  mkdir -p "$WORK/$name"
  "$@" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/$name" >"$WORK/$name.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 300); do
    "$REDIS_CLI" -p "$port" PING 2>/dev/null | grep -q PONG && return 0
    kill -0 "$STARTED_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# phase PORT TEST DEPTH N: sets PHASE to "req/s p99 max".
phase() {
  run_helper "$WORK/b.out" "$WORK/b.err" "$REDIS_BENCHMARK" -p "$1" -c 50 -n "$4" -P "$3" -t "$2" -r "$KEYS" --csv \
    || die "redis-benchmark failed: $(tail -n 3 "$WORK/b.err")"
  PHASE="$(awk -F'"' 'NR == 2 { print $4, $14, $16 }' "$WORK/b.out")"
}

ROWS=()
# measure NAME COMMAND...: one server's row.
measure() {
  local name="$1" t0 t1 rss fill set16 set1 get16 gc="- | - | -"
  shift
  start_with_retries "$name" "$WORK/$name.log" 30 launch "$name" "$@"
  local port="$STARTED_PORT" pid="$STARTED_PID"
  log "$name: filling $KEYS names"
  t0=$(date +%s%N)
  phase "$port" set 16 "$KEYS"; fill="$PHASE"
  t1=$(date +%s%N)
  rss=$(( $(ps -o rss= -p "$pid") / 1024 ))
  log "$name: measuring"
  phase "$port" set 16 "$REQUESTS"; set16="$PHASE"
  phase "$port" set 1 $((REQUESTS / 10)); set1="$PHASE"
  phase "$port" get 16 "$REQUESTS"; get16="$PHASE"
  "$REDIS_CLI" -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if [[ -f "$WORK/$name.gc" ]]; then
    [[ -n "$LOGDIR" ]] && mkdir -p "$LOGDIR" && cp "$WORK/$name.gc" "$LOGDIR/"
    gc="$(grep -E '\[gc *\] .*Pause' "$WORK/$name.gc" | grep -oE '[0-9.]+ms$' | tr -d 'ms' | sort -g |
      awk '{ v[NR] = $1; s += $1 } END { if (NR == 0) { print "0 | 0 | -"; exit }
             printf "%d | %.0f | %s", NR, s, v[NR]; for (i = NR - 1; i > NR - 3 && i > 0; i--) printf ", %s", v[i] }')"
  fi
  read -r f_rps f_p99 f_max <<<"$fill"
  ROWS+=("| $name | $f_rps | $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') | $rss | $(cut -d' ' -f1 <<<"$set16") / $(cut -d' ' -f2,3 --output-delimiter=' / ' <<<"$set16") | $(cut -d' ' -f1 <<<"$set1") / $(cut -d' ' -f2,3 --output-delimiter=' / ' <<<"$set1") | $(cut -d' ' -f1 <<<"$get16") / $(cut -d' ' -f2,3 --output-delimiter=' / ' <<<"$get16") | $f_max | $gc |")
}

lodestone_launch
take_lock
measure redis-server "$REDIS_SERVER"
i=0
for opts in "${OPTION_SETS[@]}"; do
  i=$((i + 1))
  read -r -a extra <<<"$opts"
  # The run's options go last before -cp, so they win over jvm.options.
  cmd=()
  for arg in "${LODESTONE_LAUNCH[@]}"; do
    [[ "$arg" == -cp ]] && cmd+=("${extra[@]}" "-Xlog:gc*:file=$WORK/lodestone-$i.gc")
    cmd+=("$arg")
  done
  measure "lodestone-$i" "${cmd[@]}"
  log "lodestone-$i: jvm.options ${opts:-(alone)}"
  ROWS[-1]="${ROWS[-1]/| lodestone-$i |/| Lodestone ${opts:-[jvm.options]} |}"
done

echo "Keyspace $KEYS names; fill: SET -P 16 -n $KEYS; measured: SET -P 16 -n $REQUESTS, SET -P 1 -n $((REQUESTS / 10)), GET -P 16 -n $REQUESTS; -c 50, -r $KEYS."
echo "Lodestone: $LODESTONE_DESC plus the options in the first column."
echo
echo "| server | fill req/s | fill s | RSS after fill (MB) | SET -P 16 req/s / p99 / max ms | SET -P 1 | GET -P 16 | fill max ms | GC pauses | pause sum ms | longest ms |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
printf '%s\n' "${ROWS[@]}"
