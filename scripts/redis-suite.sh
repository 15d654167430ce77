#!/usr/bin/env bash
# Runs Redis 7.0.15's own test suite against ./lodestone and checks the result against
# scripts/redis-suite-units.tsv: for every unit, the number of tests Lodestone must pass.
#
#   scripts/redis-suite.sh                 the units marked "fast" (what CI runs every time)
#   LODESTONE_FULL_SUITE=1 scripts/redis-suite.sh   every unit in the list
#   scripts/redis-suite.sh unit/type/list  the named units (checked if they are in the list)
#   scripts/redis-suite.sh -- --only "/LPOS*"      everything after -- goes to Redis's test_helper
#
# The suite is not part of this repository: it is looked up in $REDIS_SUITE_RUNNER (its
# run-suite.sh), else ../shared/redis-suite beside the checkout. Without it the script says where
# to get it and exits 3. It needs tclsh (Debian: tcl) and redis-tools (redis-cli, redis-benchmark).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
list="$root/scripts/redis-suite-units.tsv"

runner=${REDIS_SUITE_RUNNER:-$root/../shared/redis-suite/run-suite.sh}
if [ ! -x "$runner" ]; then
    cat >&2 <<EOF
redis-suite.sh: Redis's test suite runner not found at $runner.
Set REDIS_SUITE_RUNNER to a run-suite.sh, with REDIS_SUITE_DIR pointing at Redis 7.0.15's source
tree (its runtest and tests/ folder, from https://github.com/redis/redis/archive/refs/tags/7.0.15.tar.gz).
EOF
    exit 3
fi

need=()
command -v tclsh >/dev/null || need+=(tcl)
command -v redis-cli >/dev/null || need+=(redis-tools)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "redis-suite.sh: please install: ${need[*]}" >&2; exit 1
    fi
fi

units=(); extra=()
while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then shift; extra=("$@"); break; fi
    units+=("$1"); shift
done
if [ ${#units[@]} -eq 0 ]; then
    while read -r unit _min speed _; do
        case "$unit" in ''|'#'*) continue ;; esac
        if [ "${LODESTONE_FULL_SUITE:-0}" = 1 ] || [ "$speed" = fast ]; then units+=("$unit"); fi
    done < "$list"
fi

# Build once before the units start servers in parallel (./lodestone would otherwise race to build).
[ -f target/lodestone.jar ] || mvn -B -q -ntp -DskipTests package || exit 1
out=$(mktemp -d /tmp/lodestone-suite.XXXXXX)
"$runner" -j 2 -o "$out" ./lodestone "${units[@]}" ${extra[@]+-- "${extra[@]}"}
[ -f "$out/results.tsv" ] || { echo "redis-suite.sh: no results in $out" >&2; exit 1; }

# A partial run (--only ...) is not checked against the counts.
[ ${#extra[@]} -gt 0 ] && exit 0
# The check: a unit must end normally and pass at least its listed count (a ratchet: raise the
# count when a change makes more tests pass, never lower it to make a run green).
bad=0
while IFS=$'\t' read -r unit ok err exc _skip status _secs; do
    [ "$unit" = unit ] && continue
    min=$(awk -v u="$unit" '$1 == u { print $2 }' "$list")
    [ -n "$min" ] || continue
    if [ "$status" = TIMEOUT ] || [ "$status" = EXCEPTION ] || [ "$status" = NOT-RUN ] || [ "$ok" -lt "$min" ]; then
        echo "FAIL $unit: $ok passed (expected at least $min), $err failed, $exc exceptions, $status"
        grep -P "^\Q$unit\E\t" "$out/failures.txt" | head -20
        bad=1
    fi
done < "$out/results.tsv"
[ $bad = 0 ] && echo "redis-suite.sh: every unit passed its expected count (logs in $out)"
exit $bad
