#!/usr/bin/env bash
# Runs the whole test suite. On a fresh machine it first installs what the tests need:
# Maven, and the real Redis (redis-server, redis-cli, redis-benchmark) used as the oracle.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
need=()
command -v mvn >/dev/null || need+=(maven)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "test.sh: please install: ${need[*]}" >&2; exit 1
  fi
fi
# Debian starts a redis-server service on install; the tests start their own on free ports.
exec mvn -B -ntp test "$@"
