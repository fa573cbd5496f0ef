#!/usr/bin/env bash
# Runs a systemd unit's service the way systemd would, for machines (and containers) without systemd:
#   deploy/run-unit.sh deploy/systemd/featureplatform-worker.service
# Applies the unit's Environment= lines, then its EnvironmentFile= files (which override them, as in systemd;
# a leading '-' means optional), expands ${VAR} in ExecStart= and execs it (the pid stays the service's pid).
# FP_ENV_FILE, when set, is read instead of the unit's EnvironmentFile= paths (tests and trial runs).
# Not applied: User=, Group=, Restart=, Limit*= (systemd's job); run under a supervisor of your own for those.
set -euo pipefail
unit=${1:?usage: run-unit.sh <unit file>}
[[ -f $unit ]] || { echo "run-unit: no such unit file: $unit" >&2; exit 2; }

exec_start=""
env_files=()
while IFS= read -r line || [[ -n $line ]]; do
  case "$line" in
    Environment=*)
      assignment=${line#Environment=}
      export "${assignment%%=*}=${assignment#*=}"
      ;;
    EnvironmentFile=*) env_files+=("${line#EnvironmentFile=}") ;;
    ExecStart=*) exec_start=${line#ExecStart=} ;;
  esac
done < "$unit"
[[ -n $exec_start ]] || { echo "run-unit: $unit has no ExecStart=" >&2; exit 2; }

if [[ -n ${FP_ENV_FILE:-} ]]; then
  env_files=("$FP_ENV_FILE")
fi
for file in "${env_files[@]}"; do
  optional=0
  if [[ $file == -* ]]; then optional=1; file=${file#-}; fi
  if [[ ! -f $file ]]; then
    [[ $optional -eq 1 ]] && continue
    echo "run-unit: EnvironmentFile $file is missing" >&2; exit 2
  fi
  # KEY=VALUE lines; blank lines and # comments skipped; values taken literally (no quotes, no expansion).
  while IFS= read -r line || [[ -n $line ]]; do
    [[ -z $line || $line == \#* ]] && continue
    export "${line%%=*}=${line#*=}"
  done < "$file"
done

# ${VAR} expansion as systemd does it in ExecStart=; then split into words.
expanded=$exec_start
while [[ $expanded =~ \$\{([A-Za-z_][A-Za-z0-9_]*)\} ]]; do
  name=${BASH_REMATCH[1]}
  expanded=${expanded//\$\{$name\}/${!name-}}
done
read -r -a command <<< "$expanded"
exec "${command[@]}"
