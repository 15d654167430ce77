#!/usr/bin/env bash
# A guided tour of Lodestone replication on this machine, with two servers started from config
# files: a master and a replica, both with a password.
#
#   1. the replica syncs the master's data and follows its writes;
#   2. the replica refuses writes (replica-read-only);
#   3. promotion: REPLICAOF NO ONE on the replica, which keeps the data and accepts writes;
#   4. demotion: the old master becomes a replica of the new one and continues partially;
#   5. clean shutdown of both.
#
# Usage: scripts/replication-demo.sh [-p BASE_PORT]   (ports BASE and BASE+1, default 16379)
# Needs redis-cli (apt-get install redis-tools). Everything lives in a temporary directory that is
# removed at the end; the servers are stopped however the script exits.
set -euo pipefail

BASE=16379
while getopts "p:h" opt; do
  case "$opt" in
    p) BASE="$OPTARG" ;;
    h) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
  esac
done
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v redis-cli >/dev/null || { echo "redis-cli is needed (apt-get install redis-tools)" >&2; exit 1; }
M=$BASE R=$((BASE + 1)) PASS=demo-secret
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.5
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cli() { local port=$1; shift; redis-cli -p "$port" -a "$PASS" --no-auth-warning "$@"; }
show() { local port=$1; shift; printf '%s> %s\n' "$port" "$*"; cli "$port" "$@"; }
# Waits (at most 30 s) until INFO replication on $1 contains $2.
await() {
  for _ in $(seq 1 300); do
    cli "$1" INFO replication 2>/dev/null | grep -q "$2" && return 0
    sleep 0.1
  done
  echo "timed out waiting for '$2' on port $1" >&2
  cli "$1" INFO replication >&2 || true
  exit 1
}

mkdir -p "$work/master" "$work/replica"
cat > "$work/master.conf" <<EOF
port $M
bind 127.0.0.1
dir $work/master
requirepass $PASS
# for the day it becomes a replica (step 4)
masterauth $PASS
repl-diskless-sync-delay 0
save ""
logfile $work/master.log
EOF
cat > "$work/replica.conf" <<EOF
port $R
bind 127.0.0.1
dir $work/replica
requirepass $PASS
masterauth $PASS
replicaof 127.0.0.1 $M
repl-diskless-sync-delay 0
save ""
logfile $work/replica.log
EOF

say "Starting the master (port $M) and putting data in it"
"$here/lodestone" "$work/master.conf" & pids+=($!)
for _ in $(seq 1 200); do cli $M PING >/dev/null 2>&1 && break; sleep 0.1; done
show $M SET greeting "hello from the master"
show $M RPUSH queue job1 job2 job3
show $M HSET user:1 name Ada lang en
show $M SET session:42 token EX 3600

say "Starting the replica (port $R) from its config file: replicaof + masterauth"
"$here/lodestone" "$work/replica.conf" & pids+=($!)
await $R "master_link_status:up"
show $R GET greeting
show $R LRANGE queue 0 -1
show $R TTL session:42
show $R ROLE

say "Writes on the master reach the replica"
show $M INCR visits
show $M LPOP queue
await $R "slave_repl_offset:$(cli $M INFO replication | tr -d '\r' | sed -n 's/^master_repl_offset://p')"
show $R GET visits
show $R LRANGE queue 0 -1
show $M WAIT 1 1000

say "The replica is read-only"
show $R SET greeting "written on the replica" || true

say "Promotion: REPLICAOF NO ONE on the replica"
show $R REPLICAOF NO ONE
show $R SET greeting "hello from the new master"
cli $R INFO replication | grep -E "^(role|master_replid2|second_repl_offset):"

say "Demotion: the old master follows the new one (partial resync through replid2)"
show $M REPLICAOF 127.0.0.1 $R
await $M "master_link_status:up"
show $M GET greeting
cli $R INFO stats | grep -E "^sync_(full|partial_ok):"
show $M ROLE

say "Clean shutdown"
show $M SHUTDOWN NOSAVE || true
show $R SHUTDOWN NOSAVE || true
sleep 0.5
say "Logs (last lines)"
tail -n 4 "$work/master.log" "$work/replica.log"
