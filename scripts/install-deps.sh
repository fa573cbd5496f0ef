#!/usr/bin/env bash
# Installs the Debian packages the platform needs on a fresh Debian 12 machine.
#   install-deps.sh runtime   what the platform itself needs to run (embedded default)
#   install-deps.sh [test]    everything the tests and benchmarks need (default)
# Idempotent: when everything is present it only runs dpkg-query and exits in well under a second.
# Runs as root, or through sudo when available.
set -euo pipefail

profile=${1:-test}
# No librdkafka: the build ships librdkafka.redist's own library with the application (Directory.Build.targets).
# No libsqlite3 either: SQLitePCLRaw 3 bundles its own SQLite (built with nanosleep).
RUNTIME_PACKAGES=(python3 libpython3.11)
TEST_PACKAGES=(
  kcat # an independent Kafka client for the mock-cluster tests; brings Debian's librdkafka1 for itself
  rabbitmq-server
  postgresql
  mariadb-server
  python3-thrift thrift-compiler python3-numpy
  python3-sklearn # the model registry tests train and load a scikit-learn model (docs/models.md)
  python3-pika
  wrk
  chromium chromium-driver
  iproute2 socat # the cluster fault tests: hosts in network namespaces, services relayed into them (docs/deployment.md)
  util-linux # taskset: the runtime-scaleout and cluster-scaleout benchmarks pin processes to cores (Essential on Debian; listed so a slim image gets it)
)
case "$profile" in
  runtime) PACKAGES=("${RUNTIME_PACKAGES[@]}") ;;
  test) PACKAGES=("${RUNTIME_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
  *) echo "usage: $0 [runtime|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install as root: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Debian's service units must not start system-wide daemons: the tests run their own instances.
policy_rc=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy_rc ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy_rc" >/dev/null
  "${SUDO[@]}" chmod +x "$policy_rc"
  created_policy=1
fi
cleanup() { if [[ $created_policy -eq 1 ]]; then "${SUDO[@]}" rm -f "$policy_rc"; fi; }
trap cleanup EXIT

# A fresh machine may have empty package lists.
if ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
  "${SUDO[@]}" apt-get update -q
fi
install() {
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}
# apt sometimes fails once with a missing .deb in its cache; refresh the lists and retry once.
if ! install; then
  echo "install-deps: apt failed once, refreshing package lists and retrying" >&2
  "${SUDO[@]}" apt-get update -q
  install
fi
