#!/usr/bin/env bash
# Runs the whole test suite. On a fresh machine it first installs what the tests need:
# Maven, the real Redis (redis-server, redis-cli, redis-benchmark) used as the oracle, redis-sentinel,
# redis-py (Debian's python3-redis), openssl (test certificates) and prometheus-redis-exporter.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
need=()
command -v mvn >/dev/null || need+=(maven)
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
# Sentinel and redis-py for the failover tests with real Sentinel-aware clients (SentinelClientsTest).
command -v redis-sentinel >/dev/null || need+=(redis-sentinel)
{ [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import redis' 2>/dev/null; } || need+=(python3-redis)
# openssl makes the TLS tests' certificates (testsupport/TlsFiles), as Redis's gen-test-certs.sh does.
command -v openssl >/dev/null || need+=(openssl)
# The Prometheus exporter people monitor Redis with (PrometheusExporterTest).
command -v prometheus-redis-exporter >/dev/null || need+=(prometheus-redis-exporter)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "test.sh: please install: ${need[*]}" >&2; exit 1
  fi
fi
# Debian starts a redis-server service on install; the tests start their own on free ports.
mvn -B -ntp test "$@"
# Then Redis's own test suite, where it is present (../shared/redis-suite or $REDIS_SUITE_RUNNER):
# the units listed as fast in scripts/redis-suite-units.tsv, or all of them with LODESTONE_FULL_SUITE=1.
if [ "${LODESTONE_SKIP_REDIS_SUITE:-0}" = 1 ]; then exit 0; fi
rc=0; scripts/redis-suite.sh || rc=$?
if [ $rc = 3 ]; then echo "test.sh: Redis's test suite is not here; its units were not run."; exit 0; fi
exit $rc
