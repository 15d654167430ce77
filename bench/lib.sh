# Shell helpers of bench/compare.sh, bench/persistence.sh and bench/replication.sh, sourced by each
# after its options are read. The script provides ROOT (the repository), WORK (its temporary
# directory), HELPER_PID (the helper process running now, for its cleanup), PYTHON where it runs
# probes, and a cleanup trap; everything else a function needs is an argument.
#
#   bench_setup NAME [TOOL..] the redis tools (REDIS_SERVER, REDIS_BENCHMARK, REDIS_CLI, from the
#                             environment or the PATH) and each TOOL must exist; sets ROOT, WORK (a
#                             fresh temporary directory), PIDS (the servers to stop) and HELPER_PID,
#                             and the trap that stops them all and removes WORK at exit
#   usage                     the calling script's header comment (line 2 up to `set -euo`)
#   log, die                  progress and fatal messages on stderr, prefixed with the script's name
#   is_uint                   a non-negative integer?
#   free_port                 a free loopback port
#   stop_pid PID SECONDS      TERM, then KILL after a bound
#   lodestone_launch          sets LODESTONE_LAUNCH (the command, building the jar if needed) and
#                             LODESTONE_DESC, from LODESTONE_CMD, LODESTONE_JAVA_OPTS and JAVA_HOME
#   take_lock, drop_lock      the build lock that builds and benchmarks on this machine take turns on
#   run_helper OUT ERR CMD    a helper process (probe, redis-benchmark) run so that signals are handled
#   probe ARGS                the script's Python probe ($WORK/probe.py), its output in OUT
#   start_with_retries ...    the start-up of a server on a free port, retried if the port is taken
#   start_server NAME CMD...  a server without persistence on a free port (bench_setup's WORK), PORT_<NAME> set
#   shutdown_server ...       SHUTDOWN NOSAVE, then a bounded wait for the process
#   median, ratio             the figures of the tables

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

log() { printf '%s\n' "$*" >&2; }
die() { log "$(basename "$0"): $*"; exit 1; }

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

bench_setup() {  # bench_setup NAME [TOOL...]
  local name="$1" tool
  shift
  REDIS_SERVER="${REDIS_SERVER:-redis-server}"
  REDIS_BENCHMARK="${REDIS_BENCHMARK:-redis-benchmark}"
  REDIS_CLI="${REDIS_CLI:-redis-cli}"
  ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  for tool in "$REDIS_SERVER" "$REDIS_BENCHMARK" "$REDIS_CLI" "$@"; do
    command -v "$tool" >/dev/null || die "$tool not found"
  done
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/lodestone-$name.XXXXXX")"
  PIDS=()
  HELPER_PID=""
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {  # every server TERMed at once, then each waited for (KILL after 5 s)
  local pid
  [[ -n "$HELPER_PID" ]] && kill -TERM "$HELPER_PID" 2>/dev/null
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do stop_pid "$pid" 5; done
  rm -rf "$WORK"
}

# A free loopback port: one the kernel hands out for binding, if Python is there; else a random one
# that nothing answers on. start_with_retries retries if the port is taken before the server binds.
free_port() {
  if command -v "${PYTHON:-python3}" >/dev/null; then
    "${PYTHON:-python3}" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  local port
  for _ in $(seq 100); do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  die "no free port found"
}

stop_pid() {  # stop_pid PID SECONDS: TERM, wait up to SECONDS, then KILL
  local pid="$1" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < $2 * 10; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  log "pid $pid did not stop within $2 s: kill -9"
  kill -KILL "$pid" 2>/dev/null || true
}

# The command that starts Lodestone, without the arguments a script appends. It runs in the
# background directly (no wrapper process), so the pid recorded is the server's own.
lodestone_launch() {
  if [[ -n "${LODESTONE_CMD:-}" ]]; then
    # LODESTONE_CMD is a command line prefix: let a shell split it, then exec it with our arguments.
    LODESTONE_LAUNCH=(bash -c "exec $LODESTONE_CMD \"\$@\"" lodestone)
    LODESTONE_DESC="$LODESTONE_CMD"
    return
  fi
  local java="${JAVA_HOME:+$JAVA_HOME/bin/}java" opts
  # As ./lodestone does: a jar older than the sources would measure code that is not there any more.
  if [[ ! -f "$ROOT/target/lodestone.jar" ||
        -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$ROOT/target/lodestone.jar" -print -quit 2>/dev/null)" ]]; then
    log "building target/lodestone.jar"
    (cd "$ROOT" && flock /tmp/lodestone-build.lock mvn -q -o -DskipTests package) || die "build failed"
  fi
  # jvm.options as the launcher reads it, then LODESTONE_JAVA_OPTS (whose flags win).
  local line file_opts=()
  [[ -f "$ROOT/jvm.options" ]] && while read -r line; do
    [[ -z "$line" || "$line" == \#* ]] || file_opts+=("$line")
  done <"$ROOT/jvm.options"
  read -r -a opts <<<"${LODESTONE_JAVA_OPTS:-}"
  LODESTONE_LAUNCH=("$java" "${file_opts[@]}" "${opts[@]}" -cp "$ROOT/target/lodestone.jar:$ROOT/target/lib/*" io.lodestone.server.Main)
  LODESTONE_DESC="$java [jvm.options] ${LODESTONE_JAVA_OPTS:+$LODESTONE_JAVA_OPTS }-cp target/lodestone.jar:target/lib/* io.lodestone.server.Main"
}

# Builds and benchmarks on this machine take turns: a script measures only while it holds the lock
# Maven builds take (LODESTONE_BENCH_LOCK; empty: no lock). Released at exit, or by drop_lock.
LOCK="${LODESTONE_BENCH_LOCK-/tmp/lodestone-build.lock}"
take_lock() {
  [[ -n "$LOCK" ]] || return 0
  exec 9>>"$LOCK"
  flock -n 9 || { log "waiting for $LOCK"; flock 9; }
}
drop_lock() { [[ -z "$LOCK" ]] || exec 9>&-; }

# run_helper OUT ERR COMMAND...: runs COMMAND with stdout to OUT and stderr to ERR, in the background
# so that a signal to the script is handled at once (bash runs traps during `wait`, not while a
# foreground child runs); HELPER_PID names it meanwhile. Returns its exit status.
run_helper() {
  local out="$1" err="$2" rc=0
  shift 2
  "$@" >"$out" 2>"$err" &
  HELPER_PID=$!
  wait "$HELPER_PID" || rc=$?
  HELPER_PID=""
  return "$rc"
}

# probe ARGS...: runs the script's probe ($WORK/probe.py, with bench/ on PYTHONPATH for benchprobe)
# and sets OUT to its output; on failure its stderr is shown and its status returned.
probe() {
  local rc=0
  run_helper "$WORK/probe.out" "$WORK/probe.err" env PYTHONPATH="$ROOT/bench" "$PYTHON" "$WORK/probe.py" "$@" || rc=$?
  OUT="$(cat "$WORK/probe.out")"
  if (( rc != 0 )); then
    cat "$WORK/probe.err" >&2
    return "$rc"
  fi
}

# start_with_retries NAME LOGFILE SECONDS LAUNCH ARGS...: starts server NAME with `LAUNCH PORT ARGS...`,
# a function of the script that launches it in the background on PORT (a fresh free port), with its
# output in LOGFILE, sets STARTED_PID, and returns 0 once the server answers (else non-zero, within
# SECONDS). A server that did not answer yet is fatal; one that exited is tried again on another port
# if its log says the port was taken between free_port and its bind (three tries). Sets STARTED_PORT.
start_with_retries() {
  local name="$1" logf="$2" seconds="$3" launch="$4" attempt port
  shift 4
  for attempt in 1 2 3; do
    port="$(free_port)"
    STARTED_PID=""
    if "$launch" "$port" "$@"; then
      STARTED_PORT="$port"
      return
    fi
    if [[ -n "$STARTED_PID" ]] && kill -0 "$STARTED_PID" 2>/dev/null; then
      tail -n 20 "$logf" >&2
      die "$name did not answer PING within $seconds s"
    fi
    grep -qi "address already in use" "$logf" || break
    log "$name: port $port was taken, trying another"
  done
  tail -n 20 "$logf" >&2
  die "$name exited during start-up (log above)"
}

# start_server NAME COMMAND...: starts a server on a free port and sets PORT_<NAME>.
start_server() {
  local name="$1"
  shift
  mkdir -p "$WORK/$name"
  start_with_retries "$name" "$WORK/$name.log" 30 launch_and_ping "$name" "$@"
  printf -v "PORT_$name" '%s' "$STARTED_PORT"
  log "$name: pid $STARTED_PID, port $STARTED_PORT"
}

# launch_and_ping PORT NAME COMMAND...: launches; 0 once redis-cli gets PONG (within 30 s).
launch_and_ping() {
  local port="$1" name="$2"
  shift 2
  "$@" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/$name" >"$WORK/$name.log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  for _ in $(seq 300); do
    "$REDIS_CLI" -h 127.0.0.1 -p "$port" PING 2>/dev/null | grep -q PONG && return 0
    kill -0 "$STARTED_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# shutdown_server NAME PORT PID: SHUTDOWN NOSAVE (through the probe's cmd), then waits (bounded) for
# the process to exit; kill -9 after 60 s.
shutdown_server() {
  local name="$1" port="$2" pid="$3" i
  probe cmd "$port" 60 SHUTDOWN NOSAVE || log "$name: SHUTDOWN NOSAVE failed: $OUT"
  for ((i = 0; i < 600; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: still running 60 s after SHUTDOWN NOSAVE: kill -9"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# median: the median of the numbers on stdin (separated by spaces or newlines), with at most three
# decimals; "-" when there are none, or when one is missing ("-", "nan", "error").
median() {
  tr ' ' '\n' | grep -v '^$' | sort -g | awk '
    /^-$|nan|error/ { bad = 1 } { v[NR] = $1 }
    END { if (bad || NR == 0) { print "-"; exit }
          if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
          if (m == int(m)) { printf "%.0f\n", m; exit }
          s = sprintf("%.3f", m); sub(/0+$/, "", s); sub(/[.]$/, "", s); print s }'
}

# ratio A B: A / B with two decimals; "-" unless both are numbers and B is positive.
ratio() {
  awk -v a="$1" -v b="$2" 'function num(x) { return x ~ /^-?[0-9]+([.][0-9]*)?([eE][-+]?[0-9]+)?$/ }
    BEGIN { if (num(a) && num(b) && b + 0 > 0) printf "%.2f", a / b; else print "-" }'
}
