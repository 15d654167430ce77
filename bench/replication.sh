#!/usr/bin/env bash
# Compares master-replica replication in Lodestone and redis-server: a Redis master with Redis
# replicas against a Lodestone master with Lodestone replicas, in one run on the same machine.
# One server family runs at a time (Redis first), so the two never compete for the CPU.
#
# Every server listens on a free loopback port in its own temporary directory, with --save ''
# --appendonly no --enable-debug-command yes --repl-diskless-sync-delay 0. Measured:
#   full sync    for every key count (-k) and sync mode (-m): the master is filled with DEBUG
#                POPULATE and `repl-diskless-sync` is set to no (disk: the master writes an RDB file
#                and sends it as $<len>) or yes (diskless: streamed as $EOF:<mark>). A replica that is
#                already running, empty and not replicating (so JVM start-up is not counted) is sent
#                REPLICAOF 127.0.0.1 <master port>; the time runs from sending it until the replica
#                reports master_link_status:up and master_sync_in_progress:0 and its DBSIZE equals
#                the key count (polled every 10 ms on a second connection). Also from the logs (ms
#                timestamps, the same lines in both): the master's time from "Replica ... asks for
#                synchronization" to "Synchronization with replica ... succeeded" (snapshot and
#                transfer), and the replica's from "MASTER <-> REPLICA sync: Loading DB in memory"
#                to "Finished with success" (loading the received RDB). Each sync must raise the
#                master's sync_full counter by one. Between two syncs the replica is detached
#                (REPLICAOF NO ONE) and emptied (FLUSHALL); -w unmeasured syncs per mode come first.
#   throughput   on a master holding only the benchmark's keys, with two replicas started: redis-
#                benchmark (default -t set -P 16 -c 50 -r 100000 -n 2000000) with 0, 1 and 2 of them
#                attached and in sync (link up, replica offset = master offset) before each run. One
#                unmeasured warm-up run with both attached, then R rounds (-r), alternately 2,1,0
#                and 0,1,2 replicas; the median req/s per configuration is shown, with each side's
#                1- and 2-replica figures as a percentage of its own 0-replica figure. A replica
#                that disconnects or is fully resynchronized during a run is reported on stderr.
#   lag          during one extra 1-replica run (not counted in the throughput medians): every
#                10 ms a sampler asks the master (master_repl_offset) and the replica
#                (slave_repl_offset) for INFO replication at the same moment, on two connections,
#                and records the difference in bytes (negative differences count as 0): mean, p99,
#                max. Meanwhile a prober SETs a unique key on the master and polls GET for it on
#                the replica (separate connections) until it is there: p50, p99, max in ms from
#                sending the SET, over up to -L probes with random pauses (mean -i ms) between
#                them; only probes and samples taken while redis-benchmark runs are counted.
# Progress goes to stderr, Markdown tables to stdout; ratio = Lodestone / Redis (for times and
# lags, < 1 means Lodestone is faster).
#
# Usage: bench/replication.sh [options] [-- redis-benchmark arguments]
#   -k COUNTS    comma-separated key counts for the full sync (default 1000000)
#   -m MODES     comma-separated sync modes: disk, diskless (default disk,diskless)
#   -p PARTS     comma-separated parts to run: sync, write (throughput and lag) (default sync,write)
#   -r R         repetitions: measured syncs per mode, and throughput rounds (default 3)
#   -w N         unmeasured warm-up syncs per key count and mode (default 1; 0 disables)
#   -L PROBES    at most this many time-lag probes (default 200)
#   -i MS        mean pause between two time-lag probes, in ms (default 5)
#   -T SECONDS   bound on every single step (start-up, populate, sync, one benchmark run) (default 900)
#   -R SECONDS   repl-timeout of every server (default: the servers' own default, 60 s). A Lodestone
#                master counts it for a disk-synced replica from the replica's connection, and Lodestone
#                replicas send nothing while they load, so 10,000,000 keys need e.g. -R 300
#   -l DIR       keep the servers' logs in DIR
#   -h           this help
# Anything after -- replaces the default redis-benchmark arguments (the script adds -h, -p and
# --csv); the first result row of its output is taken.
#
# Environment:
#   LODESTONE_REPLICA    the replicas of the Lodestone master: lodestone (default) or redis (redis-server
#                        replicas of a Lodestone master: measures the master side alone)
#   LODESTONE_CMD        how to start Lodestone, as a command prefix; the script appends --port P
#                        --bind 127.0.0.1 --save '' --appendonly no --dir D and the settings above.
#                        Default: java $LODESTONE_JAVA_OPTS -cp target/lodestone.jar:target/lib/*
#                        io.lodestone.server.Main (building the jar first if it is missing).
#                        LODESTONE_CMD=redis-server compares Redis with itself.
#   LODESTONE_JAVA_OPTS  JVM options for each Lodestone process; 10,000,000 keys need a few GB of heap
#                        (e.g. LODESTONE_JAVA_OPTS=-Xmx8g)
#   JAVA_HOME            the JDK to run (default: java on the PATH)
#   REDIS_SERVER, REDIS_BENCHMARK   the Redis executables (default: on the PATH)
#   PYTHON               Python 3 (default python3); the probes use its standard library only
#   LODESTONE_BENCH_LOCK a lock file held while measuring (taken again for each key count and for
#                        the throughput part), so that builds and benchmarks on a shared machine take
#                        turns (default /tmp/lodestone-build.lock, the lock Maven builds take; empty:
#                        no lock). Do not run this script under that lock yourself: it builds with it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNTS="1000000"
MODES="disk,diskless"
PARTS="sync,write"
REPEATS=3
WARMUP=1
PROBES=200
INTERVAL=5
STEP_TIMEOUT=900
LOG_DIR=""
REPL_TIMEOUT=""
while getopts "k:m:p:r:w:L:i:T:R:l:h" opt; do
  case "$opt" in
    k) COUNTS="$OPTARG" ;;
    m) MODES="$OPTARG" ;;
    p) PARTS="$OPTARG" ;;
    r) REPEATS="$OPTARG" ;;
    w) WARMUP="$OPTARG" ;;
    L) PROBES="$OPTARG" ;;
    i) INTERVAL="$OPTARG" ;;
    T) STEP_TIMEOUT="$OPTARG" ;;
    R) REPL_TIMEOUT="$OPTARG" ;;
    l) LOG_DIR="$OPTARG" ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
# getopts consumes a "--" itself; what follows it, if anything, is for redis-benchmark.
(( OPTIND > 1 )) && ended_by_dashes="${*:OPTIND-1:1}" || ended_by_dashes=""
shift $((OPTIND - 1))
[[ "${1:-}" == "--" ]] && { ended_by_dashes="--"; shift; }
BENCH_ARGS=(-t set -P 16 -c 50 -r 100000 -n 2000000)
if [[ $# -gt 0 ]]; then
  [[ "$ended_by_dashes" == "--" ]] || { usage >&2; exit 2; }
  BENCH_ARGS=("$@")
fi

IFS=, read -r -a COUNT_LIST <<<"$COUNTS"
IFS=, read -r -a MODE_LIST <<<"$MODES"
IFS=, read -r -a PART_LIST <<<"$PARTS"
DO_SYNC=0 DO_WRITE=0
for p in "${PART_LIST[@]}"; do
  case "$p" in sync) DO_SYNC=1 ;; write) DO_WRITE=1 ;; *) die "-p: unknown part '$p' (sync, write)" ;; esac
done
(( DO_SYNC + DO_WRITE > 0 )) || die "-p: nothing to run"
if (( DO_SYNC )); then
  [[ ${#COUNT_LIST[@]} -gt 0 ]] || die "-k: no key count"
  for k in "${COUNT_LIST[@]}"; do is_uint "$k" && (( k > 0 )) || die "-k: '$k' is not a positive integer"; done
  [[ ${#MODE_LIST[@]} -gt 0 ]] || die "-m: no sync mode"
  for m in "${MODE_LIST[@]}"; do [[ "$m" == disk || "$m" == diskless ]] || die "-m: unknown mode '$m' (disk, diskless)"; done
fi
is_uint "$REPEATS" && (( REPEATS > 0 )) || die "-r: '$REPEATS' is not a positive integer"
is_uint "$WARMUP" || die "-w: '$WARMUP' is not a non-negative integer"
is_uint "$PROBES" && (( PROBES > 0 )) || die "-L: '$PROBES' is not a positive integer"
[[ "$INTERVAL" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "-i: '$INTERVAL' is not a number of ms"
is_uint "$STEP_TIMEOUT" && (( STEP_TIMEOUT > 0 )) || die "-T: '$STEP_TIMEOUT' is not a positive integer"
[[ -z "$REPL_TIMEOUT" ]] || { is_uint "$REPL_TIMEOUT" && (( REPL_TIMEOUT > 0 )); } || die "-R: '$REPL_TIMEOUT' is not a positive integer"
SETTINGS=(--save '' --appendonly no --enable-debug-command yes --repl-diskless-sync-delay 0)
[[ -n "$REPL_TIMEOUT" ]] && SETTINGS+=(--repl-timeout "$REPL_TIMEOUT")
if [[ -n "$LOG_DIR" ]]; then mkdir -p "$LOG_DIR" && LOG_DIR="$(cd "$LOG_DIR" && pwd)" || die "-l: cannot create $LOG_DIR"; fi

LODESTONE_REPLICA="${LODESTONE_REPLICA:-lodestone}"
[[ "$LODESTONE_REPLICA" == lodestone || "$LODESTONE_REPLICA" == redis ]] ||
  die "LODESTONE_REPLICA must be lodestone or redis, not '$LODESTONE_REPLICA'"
REDIS_SERVER="${REDIS_SERVER:-redis-server}"
REDIS_BENCHMARK="${REDIS_BENCHMARK:-redis-benchmark}"
PYTHON="${PYTHON:-python3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v "$REDIS_SERVER" >/dev/null || die "$REDIS_SERVER not found"
command -v "$PYTHON" >/dev/null || die "$PYTHON not found (the probes are Python 3, standard library only)"
(( DO_WRITE == 0 )) || command -v "$REDIS_BENCHMARK" >/dev/null || die "$REDIS_BENCHMARK not found"

# --- Processes: everything started here is stopped on exit ------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lodestone-rbench.XXXXXX")"
declare -A SERVER_PID=()   # running servers by name
declare -A PORT=()         # their ports
declare -A LOGF=()         # their log files
HELPER_PID=""              # the probe or redis-benchmark running now
cleanup() {
  local name f
  [[ -n "$HELPER_PID" ]] && stop_pid "$HELPER_PID" 5
  for name in "${!SERVER_PID[@]}"; do stop_pid "${SERVER_PID[$name]}" 5; done
  if [[ -n "$LOG_DIR" ]]; then
    for f in "$WORK"/logs/*.log; do [[ -f "$f" ]] && cp "$f" "$LOG_DIR/"; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$WORK/logs"

# --- The probes: RESP over raw sockets, timed with the monotonic clock --------------------------
cat >"$WORK/probe.py" <<'PY'
"""Probes for bench/replication.sh. Standard library only. Times are printed in ms.

cmd PORT TIMEOUT ARG...           one command: prints "<ms> <reply>" (exit 1 on an error reply)
wait-pong PORT PID TIMEOUT        connects and PINGs every 10 ms until +PONG; fails if PID exits
topology MASTER TIMEOUT ON OFF    ON and OFF are comma-separated replica ports ("-": none). Each OFF
                                  server that is a replica gets REPLICAOF NO ONE and then FLUSHALL;
                                  each ON server that is not yet a replica of MASTER gets REPLICAOF.
                                  Then waits until the master has exactly len(ON) connected replicas,
                                  every ON replica has its link up, no sync in progress and
                                  slave_repl_offset = the master's master_repl_offset, and every OFF
                                  server has DBSIZE 0. Prints "<ms> <master's sync_full>"
fullsync REPLICA MASTER KEYS TIMEOUT   REPLICAOF on an empty, detached replica; polls every 10 ms
                                  (INFO replication, then DBSIZE) until the link is up, no sync is
                                  in progress and DBSIZE = KEYS. Prints "<ms> <sync_full increase>"
state MASTER                      prints "<connected_slaves> <sync_full> <sync_partial_ok>"
logtime FILE OFFSET START END     ms between the first line after byte OFFSET containing START and the
                                  first later line containing END (Redis's log timestamps); "-" if
                                  either is missing after a second of waiting
lag MASTER REPLICA PROBES PAUSE TIMEOUT CSV -- CMD...   runs CMD (redis-benchmark, output to CSV)
                                  with a sampler and a prober running: prints "<benchmark exit
                                  status> <samples> <mean> <p99> <max> <probes> <p50> <p99> <max>"
sampler MASTER REPLICA            (internal) offsets every 10 ms until SIGUSR1: "<time> <bytes>" lines
prober MASTER REPLICA PROBES PAUSE  (internal) time-lag probes until SIGUSR1: "<time> <ms>" lines
"""
import datetime, math, os, random, re, signal, socket, subprocess, sys, time
from benchprobe import Conn, cmd, fail, is_error, pct



def parse_info(text):
    """INFO text -> dict; None for an error reply (e.g. -LOADING)."""
    if not isinstance(text, bytes) or text.startswith(b"-"):
        return None
    fields = {}
    for line in text.decode(errors="replace").splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            fields[k] = v.strip()
    return fields


def info(conn, section):
    fields = parse_info(conn.call("INFO", section))
    if fields is None:
        fail("INFO %s failed" % section)
    return fields


def wait_pong(port, pid, timeout):
    deadline = time.monotonic() + float(timeout)
    last, c = "no answer", None
    while time.monotonic() < deadline:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            fail("the server (pid %s) exited; last answer: %s" % (pid, last))
        try:
            if c is None:
                c = Conn(port, 5)
            r = c.call("PING")
            if r == b"+PONG":
                return
            last = repr(r)
        except (OSError, EOFError, ValueError) as e:
            last, c = str(e), None
        time.sleep(0.01)
    fail("no +PONG on port %s within %s s; last answer: %s" % (port, timeout, last))


def ports(arg):
    return [] if arg in ("", "-") else arg.split(",")


def topology(master, timeout, on, off):
    timeout = float(timeout)
    t0 = time.monotonic()
    deadline = t0 + timeout
    on, off = ports(on), ports(off)
    m = Conn(master, timeout)
    for p in off:
        c = Conn(p, timeout)
        if info(c, "replication").get("role") != "master":
            c.ok("REPLICAOF", "NO", "ONE")
        c.ok("FLUSHALL")
    for p in on:
        c = Conn(p, timeout)
        f = info(c, "replication")
        if f.get("role") != "slave" or f.get("master_port") != str(master):
            c.ok("REPLICAOF", "127.0.0.1", master)
    conns = {p: Conn(p, timeout) for p in on + off}
    while True:
        why = None
        mi = info(m, "replication")
        if int(mi.get("connected_slaves", "0")) != len(on):
            why = "the master has %s replicas, expected %d" % (mi.get("connected_slaves"), len(on))
        for p in on:
            if why:
                break
            f = parse_info(conns[p].call("INFO", "replication"))
            if f is None:
                why = "replica %s answers no INFO (loading?)" % p
            elif f.get("master_link_status") != "up" or f.get("master_sync_in_progress") != "0":
                why = "replica %s: link %s, sync in progress %s" % (p, f.get("master_link_status"), f.get("master_sync_in_progress"))
            elif f.get("slave_repl_offset") != mi.get("master_repl_offset"):
                # The master's offset was read first: a newer one (e.g. a replication PING) shows
                # up in the next round.
                why = "replica %s at offset %s, master at %s" % (p, f.get("slave_repl_offset"), mi.get("master_repl_offset"))
        for p in off:
            if why:
                break
            n = conns[p].call("DBSIZE")
            if n != b":0":
                why = "detached server %s has DBSIZE %r" % (p, n)
        if why is None:
            break
        if time.monotonic() > deadline:
            fail("replication did not settle within %s s: %s" % (timeout, why))
        time.sleep(0.01)
    print("%.1f %s" % ((time.monotonic() - t0) * 1000, info(m, "stats").get("sync_full", "-")))


def fullsync(replica, master, keys, timeout):
    timeout = float(timeout)
    m = Conn(master, timeout)
    before = int(info(m, "stats")["sync_full"])
    c, poll = Conn(replica, timeout), Conn(replica, timeout)
    f = info(poll, "replication")
    if f.get("role") != "master":
        fail("replica %s is still replicating" % replica)
    if poll.call("DBSIZE") != b":0":
        fail("replica %s is not empty" % replica)
    want = b":%d" % int(keys)
    t0 = time.monotonic()
    deadline = t0 + timeout
    c.ok("REPLICAOF", "127.0.0.1", master)
    last = "nothing yet"
    while True:
        f = parse_info(poll.call("INFO", "replication"))
        if f is None:
            last = "INFO answered an error (loading?)"
        elif f.get("master_link_status") == "up" and f.get("master_sync_in_progress") == "0":
            n = poll.call("DBSIZE")
            if n == want:
                break
            last = "link up, DBSIZE %r" % n
        else:
            last = "link %s, sync in progress %s" % (f.get("master_link_status"), f.get("master_sync_in_progress"))
        if time.monotonic() > deadline:
            fail("the replica was not in sync within %s s: %s" % (timeout, last))
        time.sleep(0.01)
    ms = (time.monotonic() - t0) * 1000
    print("%.1f %d" % (ms, int(info(m, "stats")["sync_full"]) - before))


def state(master):
    c = Conn(master, 30)
    r, s = info(c, "replication"), info(c, "stats")
    print(r.get("connected_slaves", "-"), s.get("sync_full", "-"), s.get("sync_partial_ok", "-"))


LOG_LINE = re.compile(r"^\d+:[A-Z] (\d\d [A-Za-z]{3} \d{4} \d\d:\d\d:\d\d\.\d{3}) . (.*)$")
MONTHS = {m: i + 1 for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


def stamp(text):
    d, mon, y, hms = text.split(" ")
    h, mi, s = hms.split(":")
    sec, ms = s.split(".")
    t = datetime.datetime(int(y), MONTHS[mon], int(d), int(h), int(mi), int(sec), int(ms) * 1000)
    return t.timestamp()


def logtime(path, offset, start, end):
    deadline = time.monotonic() + 1.0
    while True:
        t_start = t_end = None
        with open(path, "rb") as f:
            f.seek(int(offset))
            for raw in f:
                mt = LOG_LINE.match(raw.decode(errors="replace").rstrip("\n"))
                if not mt:
                    continue
                if t_start is None and start in mt.group(2):
                    t_start = stamp(mt.group(1))
                elif t_start is not None and end in mt.group(2):
                    t_end = stamp(mt.group(1))
                    break
        if t_end is not None or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    print("-" if t_end is None else "%.0f" % ((t_end - t_start) * 1000))


def stop_handler(stop):
    signal.signal(signal.SIGUSR1, lambda *_: stop.append(1))


def sampler(master, replica):
    stop = []
    stop_handler(stop)
    m, r = Conn(master, 60), Conn(replica, 60)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    samples = []
    mono = time.monotonic
    next_t = mono()
    while not stop:
        t = mono()
        # Both questions leave before either answer is read: the two offsets are from the same moment
        # give or take the servers' own queues.
        m.send("INFO", "replication")
        r.send("INFO", "replication")
        mf, rf = parse_info(m.reply()), parse_info(r.reply())
        if mf is not None and rf is not None and "slave_repl_offset" in rf:
            samples.append((t, max(0, int(mf["master_repl_offset"]) - int(rf["slave_repl_offset"]))))
        next_t += 0.01
        delay = next_t - mono()
        if delay > 0:
            time.sleep(delay)
        else:
            next_t = mono()
    sys.stdout.write("".join("%.6f %d\n" % s for s in samples))


def prober(master, replica, probes, pause_ms):
    stop = []
    stop_handler(stop)
    m, r = Conn(master, 60), Conn(replica, 60)
    pause = float(pause_ms) / 1000.0
    nonce = "%d.%d" % (os.getpid(), int(time.time() * 1000))
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    samples = []
    mono = time.monotonic
    for i in range(int(probes)):
        if stop:
            break
        key = "replication.sh:probe:%s:%d" % (nonce, i)
        t0 = mono()
        if m.call("SET", key, "1") != b"+OK":
            fail("SET on the master failed")
        deadline = t0 + 60
        while r.call("GET", key) is None:
            if mono() > deadline:
                fail("probe key %s did not reach the replica within 60 s" % key)
        samples.append((t0, (mono() - t0) * 1000))
        if pause > 0:
            time.sleep(random.uniform(0, 2 * pause))
    while not stop:  # all probes sent: wait for the signal, then report
        time.sleep(0.01)
    sys.stdout.write("".join("%.6f %.4f\n" % s for s in samples))


def lag(master, replica, probes, pause_ms, timeout, csv, dashdash, *command):
    timeout = float(timeout)
    children = []
    try:
        for what in (["sampler", master, replica], ["prober", master, replica, probes, pause_ms]):
            p = subprocess.Popen([sys.executable, __file__] + what, stdout=subprocess.PIPE, text=True)
            children.append(p)
            if p.stdout.readline().strip() != "ready":
                fail("the %s did not start" % what[0])
        with open(csv, "w") as out:
            t0 = time.monotonic()
            bench = subprocess.Popen(list(command), stdout=out, stderr=subprocess.STDOUT)
            children.append(bench)
            rc = bench.wait(timeout=timeout)
            t1 = time.monotonic()
        outs = []
        for p in children[:2]:
            p.send_signal(signal.SIGUSR1)
            o, _ = p.communicate(timeout=120)
            if p.returncode != 0:
                fail("a lag probe failed")
            outs.append(o)
    finally:
        for p in children:
            if p.poll() is None:
                p.kill()

    def during(text):
        vals = []
        for line in text.splitlines():
            t, v = line.split()
            if t0 <= float(t) <= t1:
                vals.append(float(v))
        return sorted(vals)

    offs, probe_ms = during(outs[0]), during(outs[1])
    mean = sum(offs) / len(offs) if offs else float("nan")
    print("%d %d %.0f %.0f %.0f %d %.3f %.3f %.3f" % (
        rc, len(offs), mean, pct(offs, 99), offs[-1] if offs else float("nan"),
        len(probe_ms), pct(probe_ms, 50), pct(probe_ms, 99), probe_ms[-1] if probe_ms else float("nan")))


if __name__ == "__main__":
    # TERM from the script: leave through the finally blocks, so that children are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    what, args = sys.argv[1], sys.argv[2:]
    try:
        {"cmd": cmd, "wait-pong": wait_pong, "topology": topology, "fullsync": fullsync, "state": state,
         "logtime": logtime, "lag": lag, "sampler": sampler, "prober": prober}[what](*args)
    except (OSError, EOFError, ValueError, subprocess.TimeoutExpired) as e:
        fail("%s %s: %s" % (what, " ".join(args), e or type(e).__name__))
PY

# --- Servers --------------------------------------------------------------------------------------
lodestone_launch
REDIS_LAUNCH=("$REDIS_SERVER")
REDIS_VERSION="$("$REDIS_SERVER" --version | awk '{print $3}')"

# The family's master and replica kinds: Redis with Redis, Lodestone with $LODESTONE_REPLICA.
master_kind() { echo "$1"; }
replica_kind() { if [[ "$1" == lodestone ]]; then echo "$LODESTONE_REPLICA"; else echo redis; fi; }
family_desc() {
  if [[ "$1" == redis ]]; then echo "redis-server master + redis-server replicas"
  elif [[ "$LODESTONE_REPLICA" == redis ]]; then echo "Lodestone master + redis-server replicas"
  else echo "Lodestone master + Lodestone replicas"; fi
}

# start_server NAME KIND: starts a server of KIND (redis or lodestone) on a free port in its own
# directory, registered as NAME in SERVER_PID, PORT and LOGF.
start_server() {
  local name="$1" kind="$2"
  mkdir -p "$WORK/$name"
  start_with_retries "$name" "$WORK/logs/$name.log" "$STEP_TIMEOUT" launch_and_wait "$name" "$kind"
  PORT[$name]="$STARTED_PORT"
  LOGF[$name]="$WORK/logs/$name.log"
  log "$name ($kind): pid $STARTED_PID, port $STARTED_PORT"
}

# launch_and_wait PORT NAME KIND: start_server's launch.
launch_and_wait() {
  local port="$1" name="$2" kind="$3"
  local -n launch="${kind^^}_LAUNCH"
  "${launch[@]}" --port "$port" --bind 127.0.0.1 --dir "$WORK/$name" "${SETTINGS[@]}" >>"$WORK/logs/$name.log" 2>&1 &
  STARTED_PID=$!
  SERVER_PID[$name]="$STARTED_PID"
  probe wait-pong "$port" "$STARTED_PID" "$STEP_TIMEOUT" && return
  kill -0 "$STARTED_PID" 2>/dev/null || unset "SERVER_PID[$name]"
  return 1
}

# stop_server NAME: SHUTDOWN NOSAVE, then waits (bounded) for the process to exit; kill -9 after 60 s.
stop_server() {
  shutdown_server "$1" "${PORT[$1]}" "${SERVER_PID[$1]}"
  unset "SERVER_PID[$1]"
}

# call NAME ARGS...: one command against server NAME, bounded by -T; dies on an error reply.
call() {
  local name="$1"; shift
  probe cmd "${PORT[$name]}" "$STEP_TIMEOUT" "$@" || die "$name: $* failed: ${OUT:-no reply (see above)}"
  REPLY_MS="${OUT%% *}"
  REPLY="${OUT#* }"
}

# topology MASTER ON OFF: replicas ON (names, comma-separated, "-" for none) attached to MASTER and
# in sync, replicas OFF detached and empty. Sets SYNC_FULL to the master's sync_full counter.
topology() {
  local master="$1" on="-" off="-" n
  local -a on_ports=() off_ports=() names=()
  IFS=, read -r -a names <<<"${2/#-/}"; for n in "${names[@]}"; do on_ports+=("${PORT[$n]}"); done
  IFS=, read -r -a names <<<"${3/#-/}"; for n in "${names[@]}"; do off_ports+=("${PORT[$n]}"); done
  (( ${#on_ports[@]} )) && on="$(IFS=,; echo "${on_ports[*]}")"
  (( ${#off_ports[@]} )) && off="$(IFS=,; echo "${off_ports[*]}")"
  probe topology "${PORT[$master]}" "$STEP_TIMEOUT" "$on" "$off" || die "$master: could not attach [$2] / detach [$3]"
  SYNC_FULL="${OUT#* }"
}

log_size() { stat -c %s "${LOGF[$1]}"; }

percent() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b + 0 > 0) printf "%.1f%%", 100 * a / b; else print "-" }'; }

declare -A RESULT

# --- Full sync ------------------------------------------------------------------------------------
# measure_sync FAMILY KEYS: RESULT[FAMILY,KEYS,MODE,wall|master|load] = medians.
measure_sync() {
  local fam="$1" keys="$2" mode i f m r
  local master="$fam-master-$keys" replica="$fam-replica-$keys"
  start_server "$master" "$(master_kind "$fam")"
  start_server "$replica" "$(replica_kind "$fam")"
  call "$master" DEBUG POPULATE "$keys"
  log "$master: DEBUG POPULATE $keys took $REPLY_MS ms"
  call "$master" DBSIZE
  [[ "$REPLY" == ":$keys" ]] || die "$master: DBSIZE is ${REPLY#:} after DEBUG POPULATE, expected $keys"
  for mode in "${MODE_LIST[@]}"; do
    local -a wall=() mlog=() rload=()
    call "$master" CONFIG SET repl-diskless-sync "$([[ $mode == diskless ]] && echo yes || echo no)"
    for ((i = 1 - WARMUP; i <= REPEATS; i++)); do
      topology "$master" - "$replica"
      local moff rofff
      moff="$(log_size "$master")"; rofff="$(log_size "$replica")"
      probe fullsync "${PORT[$replica]}" "${PORT[$master]}" "$keys" "$STEP_TIMEOUT" || die "$fam: $mode full sync of $keys keys failed"
      read -r f r <<<"$OUT"
      [[ "$r" == 1 ]] || die "$fam: the master's sync_full rose by $r during one sync, expected 1 (a partial resync, or a retry?)"
      probe logtime "${LOGF[$master]}" "$moff" "asks for synchronization" "Synchronization with replica" || die "logtime failed"
      m="$OUT"
      probe logtime "${LOGF[$replica]}" "$rofff" "MASTER <-> REPLICA sync: Loading DB in memory" "MASTER <-> REPLICA sync: Finished with success" || die "logtime failed"
      r="$OUT"
      if (( i >= 1 )); then
        wall+=("$f"); mlog+=("$m"); rload+=("$r")
        log "$fam $keys keys $mode sync $i/$REPEATS: $f ms until in sync (master log $m ms, replica loading $r ms)"
      else
        log "$fam $keys keys $mode sync, warm-up: $f ms until in sync (master log $m ms, replica loading $r ms)"
      fi
    done
    RESULT[$fam,$keys,$mode,wall]="$(median <<<"${wall[*]}")"
    RESULT[$fam,$keys,$mode,master]="$(median <<<"${mlog[*]}")"
    RESULT[$fam,$keys,$mode,load]="$(median <<<"${rload[*]}")"
  done
  topology "$master" - "$replica"
  stop_server "$replica"
  stop_server "$master"
}

# --- Throughput and lag ---------------------------------------------------------------------------
# bench PORT: one redis-benchmark run (in the background, so that signals are handled at once);
# sets RESULT_RPS to the req/s of its first result row, or "-".
bench() {
  if ! run_helper "$WORK/bench.out" "$WORK/bench.err" "$REDIS_BENCHMARK" -h 127.0.0.1 -p "$1" "${BENCH_ARGS[@]}" --csv; then
    log "redis-benchmark failed on port $1: $(tail -n 3 "$WORK/bench.err")"
    RESULT_RPS="-"
    return
  fi
  bench_rps "$WORK/bench.out"
}
bench_rps() {  # "test","rps",...: the first data row
  RESULT_RPS="$(awk -F'"' 'NR > 1 && NF > 4 { printf "%.0f\n", $4; found = 1; exit } END { if (!found) print "-" }' "$1")"
}

# check_run MASTER N SYNC_FULL_BEFORE: warns if replicas were lost or resynchronized during a run.
check_run() {
  local conn full partial
  probe state "${PORT[$1]}" || die "$1: INFO failed"
  read -r conn full partial <<<"$OUT"
  [[ "$conn" == "$2" ]] || log "WARNING: $1 has $conn replicas after the run, expected $2 (see its log)"
  [[ "$full" == "$3" ]] || log "WARNING: $1 ran $((full - $3)) full sync(s) during the run: a replica was dropped (output buffer limit?) and came back"
}

# measure_write FAMILY: RESULT[FAMILY,write,N] req/s medians, RESULT[FAMILY,lag,...].
measure_write() {
  local fam="$1" rep n on off
  local master="$fam-master-w" r1="$fam-replica1-w" r2="$fam-replica2-w"
  local -a order
  declare -A runs=([0]="" [1]="" [2]="")
  start_server "$master" "$(master_kind "$fam")"
  start_server "$r1" "$(replica_kind "$fam")"
  start_server "$r2" "$(replica_kind "$fam")"
  topology "$master" "$r1,$r2" -
  bench "${PORT[$master]}"
  check_run "$master" 2 "$SYNC_FULL"
  log "$fam: warm-up run with 2 replicas: $RESULT_RPS req/s"
  for ((rep = 1; rep <= REPEATS; rep++)); do
    if (( rep % 2 )); then order=(2 1 0); else order=(0 1 2); fi
    for n in "${order[@]}"; do
      case "$n" in 0) on=-; off="$r1,$r2" ;; 1) on="$r1"; off="$r2" ;; 2) on="$r1,$r2"; off=- ;; esac
      topology "$master" "$on" "$off"
      bench "${PORT[$master]}"
      check_run "$master" "$n" "$SYNC_FULL"
      runs[$n]+=" $RESULT_RPS"
      log "$fam round $rep/$REPEATS, $n replica(s): $RESULT_RPS req/s"
    done
  done
  for n in 0 1 2; do RESULT[$fam,write,$n]="$(median <<<"${runs[$n]}")"; done

  # Lag: one more 1-replica run, with the sampler and the prober.
  topology "$master" "$r1" "$r2"
  probe lag "${PORT[$master]}" "${PORT[$r1]}" "$PROBES" "$INTERVAL" "$STEP_TIMEOUT" "$WORK/lag.csv" -- \
    "$REDIS_BENCHMARK" -h 127.0.0.1 -p "${PORT[$master]}" "${BENCH_ARGS[@]}" --csv || die "$fam: the lag run failed"
  local -a l; read -r -a l <<<"$OUT"
  (( l[0] == 0 )) || die "$fam: redis-benchmark failed during the lag run: $(tail -n 3 "$WORK/lag.csv")"
  check_run "$master" 1 "$SYNC_FULL"
  bench_rps "$WORK/lag.csv"
  RESULT[$fam,lag,rps]="$RESULT_RPS"
  RESULT[$fam,lag,samples]="${l[1]}"; RESULT[$fam,lag,mean]="${l[2]}"; RESULT[$fam,lag,p99]="${l[3]}"; RESULT[$fam,lag,max]="${l[4]}"
  RESULT[$fam,lag,probes]="${l[5]}"; RESULT[$fam,lag,tp50]="${l[6]}"; RESULT[$fam,lag,tp99]="${l[7]}"; RESULT[$fam,lag,tmax]="${l[8]}"
  log "$fam lag run ($RESULT_RPS req/s): ${l[1]} offset samples, mean/p99/max ${l[2]}/${l[3]}/${l[4]} bytes;" \
    "${l[5]} probes, p50/p99/max ${l[6]}/${l[7]}/${l[8]} ms"
  (( l[5] >= PROBES )) || log "note: only ${l[5]} of $PROBES probes fitted in the run (more requests with -- ... -n N, or -i)"
  # The replica must hold what the master holds once it has caught up.
  topology "$master" "$r1" "$r2"
  call "$master" DBSIZE; local md="$REPLY"
  call "$r1" DBSIZE
  [[ "$REPLY" == "$md" ]] || die "$fam: after the lag run the replica has DBSIZE ${REPLY#:}, the master ${md#:}"
  stop_server "$r2"; stop_server "$r1"; stop_server "$master"
}

# --- Measuring ------------------------------------------------------------------------------------
FAMILIES=(redis lodestone)
if (( DO_SYNC )); then
  for keys in "${COUNT_LIST[@]}"; do
    take_lock
    for fam in "${FAMILIES[@]}"; do log "== full sync, $keys keys: $(family_desc "$fam")"; measure_sync "$fam" "$keys"; done
    drop_lock
  done
fi
if (( DO_WRITE )); then
  take_lock
  for fam in "${FAMILIES[@]}"; do log "== throughput and lag: $(family_desc "$fam")"; measure_write "$fam"; done
  drop_lock
fi

# --- Tables ---------------------------------------------------------------------------------------
echo "redis-server $REDIS_VERSION: $(family_desc redis). Lodestone: $(family_desc lodestone); $LODESTONE_DESC"
echo "Every server: --save '' --appendonly no --enable-debug-command yes --repl-diskless-sync-delay 0${REPL_TIMEOUT:+ --repl-timeout $REPL_TIMEOUT}."
if (( DO_SYNC )); then
  echo
  echo "Full sync of DEBUG POPULATE's keys to an empty running replica (REPLICAOF sent to it; JVM start-up not"
  echo "counted); median of $REPEATS sync(s) after $WARMUP warm-up sync(s) per mode."
  echo
  echo "| keys | sync | metric | redis-server | Lodestone | ratio |"
  echo "| ---: | --- | --- | ---: | ---: | ---: |"
  for keys in "${COUNT_LIST[@]}"; do
    for mode in "${MODE_LIST[@]}"; do
      for m in wall master load; do
        case "$m" in
          wall) label="REPLICAOF until link up and DBSIZE = keys (ms)" ;;
          master) label="master log: asks for sync until sync succeeded (ms)" ;;
          load) label="replica log: Loading DB in memory until Finished (ms)" ;;
        esac
        r="${RESULT[redis,$keys,$mode,$m]}"; l="${RESULT[lodestone,$keys,$mode,$m]}"
        echo "| $keys | $mode | $label | $r | $l | $(ratio "$l" "$r") |"
      done
    done
  done
fi
if (( DO_WRITE )); then
  echo
  echo "Write throughput: redis-benchmark ${BENCH_ARGS[*]} against the master; median of $REPEATS run(s) per"
  echo "configuration after one warm-up run; replicas attached and in sync before each run."
  echo
  echo "| replicas | redis-server req/s | Lodestone req/s | ratio | redis-server, % of 0 replicas | Lodestone, % of 0 replicas |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
  for n in 0 1 2; do
    r="${RESULT[redis,write,$n]}"; l="${RESULT[lodestone,write,$n]}"
    echo "| $n | $r | $l | $(ratio "$l" "$r") | $(percent "$r" "${RESULT[redis,write,0]}") | $(percent "$l" "${RESULT[lodestone,write,0]}") |"
  done
  echo
  echo "Replication lag during one more 1-replica run (redis-server ${RESULT[redis,lag,rps]} req/s, Lodestone"
  echo "${RESULT[lodestone,lag,rps]} req/s): master_repl_offset - slave_repl_offset every 10 ms; SET on the master until GET on"
  echo "the replica sees it, random pauses of mean $INTERVAL ms between probes."
  echo
  echo "| metric | redis-server | Lodestone | ratio |"
  echo "| --- | ---: | ---: | ---: |"
  for m in samples mean p99 max probes tp50 tp99 tmax; do
    case "$m" in
      samples) label="offset samples during the run" ;;
      mean) label="offset lag, mean (bytes)" ;;
      p99) label="offset lag, p99 (bytes)" ;;
      max) label="offset lag, max (bytes)" ;;
      probes) label="time-lag probes during the run" ;;
      tp50) label="time lag, p50 (ms)" ;;
      tp99) label="time lag, p99 (ms)" ;;
      tmax) label="time lag, max (ms)" ;;
    esac
    r="${RESULT[redis,lag,$m]}"; l="${RESULT[lodestone,lag,$m]}"
    case "$m" in samples|probes) q="-" ;; *) q="$(ratio "$l" "$r")" ;; esac
    echo "| $label | $r | $l | $q |"
  done
fi
