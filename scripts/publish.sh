#!/usr/bin/env bash
# Builds a release of the platform host for FP_HOME (docs/deployment.md, "Building a release"):
#   scripts/publish.sh /opt/featureplatform/releases/2026-12-07
# A framework-dependent linux-x64 build, compiled ReadyToRun: the host starts on precompiled code instead of
# JIT-compiling every method it runs in its first minute (what a just-started or just-upgraded host spends its CPU on).
# The web UI and the Python SDK travel with it. Run it on the build machine (needs the .NET SDK); the target hosts need
# the .NET runtime (ASP.NET Core) and scripts/install-deps.sh runtime.
set -euo pipefail
out=${1:?usage: scripts/publish.sh <output directory>}
cd "$(dirname "$0")/.."
dotnet publish src/FeatureApi/FeaturePlatform.FeatureApi.csproj -c Release -r linux-x64 --self-contained false \
  -p:PublishReadyToRun=true -o "$out" -nologo -clp:ErrorsOnly
echo "published to $out: run with  dotnet $out/FeaturePlatform.FeatureApi.dll (or FP_HOME=$out in the systemd units)"
