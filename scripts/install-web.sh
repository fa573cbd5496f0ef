#!/usr/bin/env bash
# Installs the web UI's npm dependencies (web/package.json, pinned by web/package-lock.json: uPlot for the charts)
# into web/node_modules, from where the API host serves them. Nothing from npm is committed.
# Idempotent: when web/node_modules matches the lock file it exits at once. Installs Debian's npm when there is none
# (as root, or through sudo).
set -euo pipefail
cd "$(dirname "$0")/../web"

stamp=node_modules/.installed-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi

if ! command -v npm >/dev/null; then
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-web: npm is missing and there is no sudo; install it as root: apt-get install npm" >&2; exit 1; }
    SUDO=(sudo)
  fi
  echo "install-web: installing npm (Debian package)" >&2
  if ! compgen -G "/var/lib/apt/lists/*_Packages" >/dev/null; then
    "${SUDO[@]}" apt-get update -q
  fi
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends npm
fi

echo "install-web: npm ci (web UI dependencies)" >&2
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
