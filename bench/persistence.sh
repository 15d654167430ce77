#!/usr/bin/env bash
# Compares RDB persistence in Lodestone and redis-server: SAVE, BGSAVE (with the PING latency a
# client sees while it runs) and loading the file at start-up, on the same data set in one run.
#
# For every key count, each server in turn (Redis first, one server running at a time) is started
# on a free loopback port in an empty temporary directory, filled with DEBUG POPULATE, and measured:
#   SAVE         wall time of the SAVE command as a client sees it, and the size of dump.rdb
#   BGSAVE       from sending BGSAVE until INFO persistence shows rdb_bgsave_in_progress:0 (polled
#                every 10 ms), and rdb_last_bgsave_status must be ok; meanwhile a separate process
#                sends PING on its own connection (one at a time, a random pause of mean -i ms
#                between an answer and the next PING) and times every round trip: p50, p99 and
#                max in ms and how many PINGs were answered during the save (the probe's figures
#                for the second before BGSAVE, and Redis's latest_fork_usec, go to stderr)
#   load         the server is stopped (SHUTDOWN NOSAVE) and started again on the same directory:
#                the time it logs ("DB loaded from disk: X seconds", the same line in both) and
#                the wall time from launching the process to its first +PONG (connection tried
#                every ms); DBSIZE must then equal the key count. "start-up without a file" is the
#                same wall time for the first start, on the empty directory.
# Each measurement is taken R times (-r) and the median of each figure is shown. Before measuring,
# -w unmeasured SAVE + BGSAVE rounds warm both servers up (the JIT, for Lodestone). Progress goes to
# stderr, a Markdown table to stdout: ratio = Lodestone / Redis (for times, < 1 means faster).
#
# Usage: bench/persistence.sh [options]
#   -k COUNTS    comma-separated key counts (default 1000000,10000000)
#   -d BYTES     value size passed to DEBUG POPULATE (default: none, values are "value:N" as
#                Redis's DEBUG POPULATE makes them; with -d they are padded with zero bytes)
#   -r R         repetitions of every measurement, median shown (default 1)
#   -w N         unmeasured SAVE + BGSAVE rounds before measuring (default 1; 0 disables)
#   -i MS        mean pause between two PINGs of the latency probe, in ms (default 1; 0: back to
#                back)
#   -T SECONDS   bound on every single step (populate, save, load...) (default 900)
#   -l DIR       keep the servers' logs in DIR (<server>-<keys>-start.log, -load-N.log)
#   -h           this help
#
# Environment:
#   LODESTONE_CMD        how to start Lodestone, as a command prefix; the script appends
#                        --port P --bind 127.0.0.1 --save '' --appendonly no --dir D
#                        --enable-debug-command yes.
#                        Default: java $LODESTONE_JAVA_OPTS -cp target/lodestone.jar:target/lib/*
#                        io.lodestone.server.Main (building the jar first if it is missing).
#                        LODESTONE_CMD=redis-server compares Redis with itself.
#   LODESTONE_JAVA_OPTS  JVM options for the default command; 10,000,000 keys need a few GB of heap
#                        (e.g. LODESTONE_JAVA_OPTS=-Xmx8g)
#   JAVA_HOME            the JDK to run (default: java on the PATH)
#   REDIS_SERVER         the Redis executable (default: redis-server on the PATH)
#   PYTHON               Python 3 (default python3); the probes use its standard library only
#   LODESTONE_BENCH_LOCK a lock file held while measuring each key count, so that builds and
#                        benchmarks on a shared machine take turns (default /tmp/lodestone-build.lock,
#                        the lock Maven builds take; empty: no lock). Do not run this script under
#                        that lock yourself: it builds with it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNTS="1000000,10000000"
VALUE_SIZE=""
REPEATS=1
WARMUP=1
INTERVAL=1
STEP_TIMEOUT=900
LOG_DIR=""
while getopts "k:d:r:w:i:T:l:h" opt; do
  case "$opt" in
    k) COUNTS="$OPTARG" ;;
    d) VALUE_SIZE="$OPTARG" ;;
    r) REPEATS="$OPTARG" ;;
    w) WARMUP="$OPTARG" ;;
    i) INTERVAL="$OPTARG" ;;
    T) STEP_TIMEOUT="$OPTARG" ;;
    l) LOG_DIR="$OPTARG" ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -eq 0 ]] || { usage >&2; exit 2; }

IFS=, read -r -a COUNT_LIST <<<"$COUNTS"
[[ ${#COUNT_LIST[@]} -gt 0 ]] || die "-k: no key count"
for k in "${COUNT_LIST[@]}"; do is_uint "$k" && (( k > 0 )) || die "-k: '$k' is not a positive integer"; done
[[ -z "$VALUE_SIZE" ]] || { is_uint "$VALUE_SIZE" && (( VALUE_SIZE > 0 )); } || die "-d: '$VALUE_SIZE' is not a positive integer"
is_uint "$REPEATS" && (( REPEATS > 0 )) || die "-r: '$REPEATS' is not a positive integer"
is_uint "$WARMUP" || die "-w: '$WARMUP' is not a non-negative integer"
[[ "$INTERVAL" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "-i: '$INTERVAL' is not a number of ms"
is_uint "$STEP_TIMEOUT" && (( STEP_TIMEOUT > 0 )) || die "-T: '$STEP_TIMEOUT' is not a positive integer"
if [[ -n "$LOG_DIR" ]]; then mkdir -p "$LOG_DIR" && LOG_DIR="$(cd "$LOG_DIR" && pwd)" || die "-l: cannot create $LOG_DIR"; fi

REDIS_SERVER="${REDIS_SERVER:-redis-server}"
PYTHON="${PYTHON:-python3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v "$REDIS_SERVER" >/dev/null || die "$REDIS_SERVER not found"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (the probes are Python 3, standard library only)"

# --- Processes: everything started here is stopped on exit ------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lodestone-pbench.XXXXXX")"
SERVER_PID=""   # the server running now (one at a time)
HELPER_PID=""   # the Python probe running now
cleanup() {
  local f
  [[ -n "$HELPER_PID" ]] && stop_pid "$HELPER_PID" 2
  [[ -n "$SERVER_PID" ]] && stop_pid "$SERVER_PID" 5
  if [[ -n "$LOG_DIR" ]]; then  # each server's directory is $WORK/<server>-<keys>
    for f in "$WORK"/*/*.log; do
      [[ -f "$f" ]] && cp "$f" "$LOG_DIR/$(basename "$(dirname "$f")")-$(basename "$f")"
    done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- The probes: RESP over a raw socket, timed with the monotonic clock ------------------------
cat >"$WORK/probe.py" <<'PY'
"""Probes for bench/persistence.sh. Standard library only. Times are printed in ms.

cmd PORT TIMEOUT ARG...         one command: prints "<ms> <reply>" (exit 1 on an error reply)
wait-pong PORT LAUNCHFILE TIMEOUT  prints "ready", waits for LAUNCHFILE ("<pid> <Unix time of the
                                launch>"), then tries to connect every ms and PINGs (every 10 ms
                                while the answer is not +PONG, e.g. -LOADING) until +PONG; prints
                                the ms from the launch to that +PONG
bgsave PORT TIMEOUT INTERVAL    BGSAVE, polled to completion, with a PING probe running meanwhile:
                                prints "<ms> <pings answered> <p50> <p99> <max> <idle p99> <idle max>
                                <latest_fork_usec or ->"
pinger PORT INTERVAL DEADLINE   (internal) the PING probe: a separate process, so that neither
                                waits for the other's interpreter lock
"""
import math, os, random, signal, socket, subprocess, sys, time
from benchprobe import Conn, cmd, fail, is_error, pct



def info_field(conn, section, name, default=None):
    text = conn.call("INFO", section)
    if not isinstance(text, bytes) or text.startswith(b"-"):
        fail("INFO %s failed: %r" % (section, text))
    for line in text.decode().splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    if default is not None:
        return default
    fail("INFO %s has no %s" % (section, name))


def wait_pong(port, launch_file, timeout):
    print("ready", flush=True)
    deadline = time.monotonic() + float(timeout)
    while not os.path.exists(launch_file):  # renamed into place: complete when it exists
        if time.monotonic() > deadline:
            fail("the server was not launched")
        time.sleep(0.001)
    with open(launch_file) as f:
        pid, start = f.read().split()
    pid, start = int(pid), float(start.replace(",", "."))
    last, c = "no answer", None
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            fail("the server (pid %d) exited; last answer: %s" % (pid, last))
        try:
            if c is None:
                c = Conn(port, 5)
            r = c.call("PING")
            if r == b"+PONG":
                print("%.1f" % ((time.time() - start) * 1000))
                return
            last = repr(r)
            time.sleep(0.01)
        except (OSError, EOFError, ValueError) as e:
            last, c = str(e), None
            time.sleep(0.001)
    fail("no +PONG on port %s within %s s; last answer: %s" % (port, timeout, last))


def pinger(port, interval_ms, deadline_s):
    """PINGs until SIGUSR1 (or the deadline), then prints "<send time> <rtt ms>" per PING."""
    stop = []
    signal.signal(signal.SIGUSR1, lambda *_: stop.append(1))
    c = Conn(port, float(deadline_s))
    # A random pause (uniform, mean -i): PINGs sent a fixed time after the previous answer would
    # lock onto the server's own rhythm (e.g. Lodestone's BGSAVE slices) and always see the same
    # phase of it.
    pause = float(interval_ms) / 1000.0
    deadline = time.monotonic() + float(deadline_s)
    samples = []
    for _ in range(100):  # warm the connection and the interpreter
        c.call("PING")
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    mono, sendall, req = time.monotonic, c.s.sendall, b"*1\r\n$4\r\nPING\r\n"
    while not stop and mono() < deadline:
        t0 = mono()
        sendall(req)
        r = c.reply()
        t1 = mono()
        if r != b"+PONG":
            fail("PING answered %r" % r)
        samples.append((t0, (t1 - t0) * 1000))
        if pause > 0:
            time.sleep(random.uniform(0, 2 * pause))
    sys.stdout.write("".join("%.6f %.4f\n" % s for s in samples))


def bgsave(port, timeout, interval_ms):
    timeout = float(timeout)
    probe = subprocess.Popen([sys.executable, __file__, "pinger", port, interval_ms, str(timeout + 60)],
                             stdout=subprocess.PIPE, text=True)
    try:
        if probe.stdout.readline().strip() != "ready":
            fail("the PING probe did not start")
        c = Conn(port, timeout)
        if info_field(c, "persistence", "rdb_bgsave_in_progress") != "0":
            fail("a BGSAVE is already in progress")
        time.sleep(1.0)  # one second of PINGs without a save: the idle baseline
        t0 = time.monotonic()
        r = c.call("BGSAVE")
        if not (isinstance(r, bytes) and r.startswith(b"+")):
            fail("BGSAVE answered %r" % r)
        deadline = t0 + timeout
        while info_field(c, "persistence", "rdb_bgsave_in_progress") != "0":
            if time.monotonic() > deadline:
                fail("BGSAVE still in progress after %s s" % timeout)
            time.sleep(0.01)
        t1 = time.monotonic()
        status = info_field(c, "persistence", "rdb_last_bgsave_status")
        if status != "ok":
            fail("rdb_last_bgsave_status:%s after BGSAVE" % status)
        fork_usec = info_field(c, "stats", "latest_fork_usec", "-")
        probe.send_signal(signal.SIGUSR1)
        out, _ = probe.communicate(timeout=timeout + 60)
        if probe.returncode != 0:
            fail("the PING probe failed")
    finally:
        if probe.poll() is None:
            probe.kill()
    idle, during = [], []
    for line in out.splitlines():
        ts, ms = line.split()
        ts, ms = float(ts), float(ms)
        if ts < t0:
            idle.append(ms)
        elif ts <= t1:
            during.append(ms)
    idle.sort()
    during.sort()
    print("%.1f %d %.3f %.3f %.3f %.3f %.3f %s" % ((t1 - t0) * 1000, len(during), pct(during, 50), pct(during, 99),
                                                   during[-1] if during else float("nan"), pct(idle, 99),
                                                   idle[-1] if idle else float("nan"), fork_usec))


if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    try:
        {"cmd": cmd, "wait-pong": wait_pong, "bgsave": bgsave, "pinger": pinger}[what](*args)
    except (OSError, EOFError, ValueError, subprocess.TimeoutExpired) as e:
        fail("%s %s: %s" % (what, " ".join(args), e or type(e).__name__))
PY

# --- Servers --------------------------------------------------------------------------------------
lodestone_launch
REDIS_LAUNCH=("$REDIS_SERVER")

# start_server NAME DIR LOG: starts server NAME (redis or lodestone) on a free port with DIR as its
# directory, logging to LOG. Sets SERVER_PID, PORT and STARTUP_MS (launch to first +PONG).
start_server() {
  start_with_retries "$1" "$3" "$STEP_TIMEOUT" launch_timed "$@"
  PORT="$STARTED_PORT"
}

# launch_timed PORT NAME DIR LOGFILE: start_server's launch.
launch_timed() {
  local port="$1" name="$2" dir="$3" logf="$4" start i rc=0
  local -n launch="${name^^}_LAUNCH"
  # The probe starts first (an interpreter takes tens of ms to start: more than Redis does) and
  # gets the server's pid and launch time through a file renamed into place.
  rm -f "$WORK/launch" "$WORK/probe.out"
  PYTHONPATH="$ROOT/bench" "$PYTHON" "$WORK/probe.py" wait-pong "$port" "$WORK/launch" "$STEP_TIMEOUT" >"$WORK/probe.out" 2>"$WORK/probe.err" &
  HELPER_PID=$!
  for ((i = 0; i < 3000; i++)); do
    [[ -s "$WORK/probe.out" ]] && break
    kill -0 "$HELPER_PID" 2>/dev/null || break
    sleep 0.01
  done
  [[ "$(head -n 1 "$WORK/probe.out")" == ready ]] || { cat "$WORK/probe.err" >&2; die "the start-up probe did not start"; }
  start="$EPOCHREALTIME"
  "${launch[@]}" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --enable-debug-command yes >"$logf" 2>&1 &
  SERVER_PID=$!
  STARTED_PID=$SERVER_PID
  echo "$SERVER_PID $start" >"$WORK/launch.tmp" && mv "$WORK/launch.tmp" "$WORK/launch"
  wait "$HELPER_PID" || rc=$?
  HELPER_PID=""
  if (( rc == 0 )); then
    STARTUP_MS="$(sed -n 2p "$WORK/probe.out")"
    return 0
  fi
  cat "$WORK/probe.err" >&2
  kill -0 "$SERVER_PID" 2>/dev/null || SERVER_PID=""
  return 1
}

# stop_server NAME: SHUTDOWN NOSAVE, then waits (bounded) for the process to exit; kill -9 after 60 s.
stop_server() {
  shutdown_server "$1" "$PORT" "$SERVER_PID"
  SERVER_PID=""
}

# call NAME ARGS...: one command against the running server, bounded by -T; dies on an error reply.
call() {
  local name="$1"; shift
  probe cmd "$PORT" "$STEP_TIMEOUT" "$@" || die "$name: $* failed: ${OUT:-no reply (see above)}"
  REPLY_MS="${OUT%% *}"
  REPLY="${OUT#* }"
}

expect_dbsize() {  # expect_dbsize NAME COUNT WHEN
  call "$1" DBSIZE
  [[ "$REPLY" == ":$2" ]] || die "$1: DBSIZE is ${REPLY#:} $3, expected $2"
}

# measure NAME KEYS: runs every step on server NAME and stores each metric's median in
# RESULT[NAME,KEYS,metric].
declare -A RESULT
measure() {
  local name="$1" keys="$2" dir="$WORK/$1-$2" rep i
  local -a populate_args=(DEBUG POPULATE "$keys")
  [[ -n "$VALUE_SIZE" ]] && populate_args+=(key "$VALUE_SIZE")
  local -a empty=() save=() size=() bgs=() answered=() p50=() p99=() pmax=() loaded=() wall=()
  mkdir -p "$dir"

  start_server "$name" "$dir" "$dir/start.log"
  empty+=("$STARTUP_MS")
  log "$name: pid $SERVER_PID, port $PORT, answered PING $STARTUP_MS ms after launch"
  call "$name" "${populate_args[@]}"
  log "$name: ${populate_args[*]} took $REPLY_MS ms"
  expect_dbsize "$name" "$keys" "after DEBUG POPULATE"

  for ((i = 1; i <= WARMUP; i++)); do
    call "$name" SAVE
    probe bgsave "$PORT" "$STEP_TIMEOUT" "$INTERVAL" || die "$name: BGSAVE failed"
    log "$name: warm-up $i/$WARMUP: SAVE $REPLY_MS ms, BGSAVE ${OUT%% *} ms"
  done

  for ((rep = 1; rep <= REPEATS; rep++)); do
    rm -f "$dir/dump.rdb"
    call "$name" SAVE
    [[ -f "$dir/dump.rdb" ]] || die "$name: SAVE answered $REPLY but wrote no $dir/dump.rdb"
    save+=("$REPLY_MS"); size+=("$(stat -c %s "$dir/dump.rdb")")
    probe bgsave "$PORT" "$STEP_TIMEOUT" "$INTERVAL" || die "$name: BGSAVE failed"
    local f; read -r -a f <<<"$OUT"
    bgs+=("${f[0]}"); answered+=("${f[1]}"); p50+=("${f[2]}"); p99+=("${f[3]}"); pmax+=("${f[4]}")
    log "$name $keys keys, run $rep/$REPEATS: SAVE ${save[-1]} ms (${size[-1]} bytes);" \
      "BGSAVE ${f[0]} ms, ${f[1]} PINGs p50/p99/max ${f[2]}/${f[3]}/${f[4]} ms (idle: p99 ${f[5]}, max ${f[6]};" \
      "latest_fork_usec ${f[7]})"
  done

  # Loading: the file the last BGSAVE wrote, by a new process on the same directory.
  for ((rep = 1; rep <= REPEATS; rep++)); do
    stop_server "$name"
    local logf="$dir/load-$rep.log"
    start_server "$name" "$dir" "$logf"
    local secs
    secs="$(grep -o 'DB loaded from disk: [0-9.]* seconds' "$logf" | tail -n 1 | awk '{print $5}')"
    [[ -n "$secs" ]] || { tail -n 20 "$logf" >&2; die "$name: no 'DB loaded from disk' line in its log"; }
    expect_dbsize "$name" "$keys" "after loading dump.rdb"
    loaded+=("$(awk -v s="$secs" 'BEGIN { printf "%.0f", s * 1000 }')"); wall+=("$STARTUP_MS")
    log "$name $keys keys, load $rep/$REPEATS: logged $secs s, first PONG $STARTUP_MS ms after launch, DBSIZE ok"
  done
  stop_server "$name"
  rm -f "$dir/dump.rdb"  # the logs stay until the end, for -l

  local m all
  for m in empty save size bgs answered p50 p99 pmax loaded wall; do
    all="$m[*]"
    RESULT[$name,$keys,$m]="$(median <<<"${!all}")"
  done
}

# --- Measuring ------------------------------------------------------------------------------------
for keys in "${COUNT_LIST[@]}"; do
  # The build lock is taken again for each key count, so that a build can run between two of them.
  take_lock
  log "== $keys keys"
  measure redis "$keys"
  measure lodestone "$keys"
  drop_lock
done

# --- Table ----------------------------------------------------------------------------------------
METRICS=(save size bgs answered p50 p99 pmax loaded wall empty)
declare -A LABEL=(
  [save]="SAVE (ms)"
  [size]="RDB file (bytes)"
  [bgs]="BGSAVE until rdb_bgsave_in_progress:0 (ms)"
  [answered]="PINGs answered during BGSAVE"
  [p50]="PING during BGSAVE, p50 (ms)"
  [p99]="PING during BGSAVE, p99 (ms)"
  [pmax]="PING during BGSAVE, max (ms)"
  [loaded]="load, logged \"DB loaded from disk\" (ms)"
  [wall]="load, launch to first PONG (ms)"
  [empty]="start-up without a file, launch to first PONG (ms)"
)

values="DEBUG POPULATE's values (\"value:N\")"
[[ -n "$VALUE_SIZE" ]] && values="DEBUG POPULATE values of $VALUE_SIZE bytes"
echo "Keys from DEBUG POPULATE (\"key:N\"), $values; rdbcompression yes (the default)."
echo "$REPEATS measured run(s) per figure, median shown, after $WARMUP warm-up SAVE + BGSAVE round(s); PING probe: one PING at a time, random pauses of mean ${INTERVAL} ms."
echo "redis-server: $("$REDIS_SERVER" --version | awk '{print $3}'); Lodestone: $LODESTONE_DESC"
echo
echo "| keys | metric | redis-server | Lodestone | ratio |"
echo "| ---: | --- | ---: | ---: | ---: |"
for keys in "${COUNT_LIST[@]}"; do
  for m in "${METRICS[@]}"; do
    r="${RESULT[redis,$keys,$m]}"
    l="${RESULT[lodestone,$keys,$m]}"
    echo "| $keys | ${LABEL[$m]} | $r | $l | $(ratio "$l" "$r") |"
  done
done
