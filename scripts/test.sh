#!/usr/bin/env bash
# Runs every test of the solution: installs what the tests need (Debian packages, the web UI's npm packages), builds with warnings as
# errors, then runs all test projects. The test fixtures start their own servers (RabbitMQ, PostgreSQL,
# MariaDB, Kafka mock cluster, HBase Thrift2 server) on free loopback ports and stop them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/install-web.sh   # the web UI's npm dependencies (uPlot), which the browser tests load

configuration=${CONFIGURATION:-Release}
dotnet build FeaturePlatform.sln -c "$configuration" -nologo -clp:ErrorsOnly
# --blame-hang-timeout turns a hung test into a dump and a failure instead of a stuck CI run.
if [ "$#" -gt 0 ]; then
  dotnet test FeaturePlatform.sln -c "$configuration" --no-build -nologo \
    --logger "console;verbosity=normal" --blame-hang-timeout 8m "$@"
else
  # The cluster fault tier runs after the rest, alone: its hosts (several platform processes each) on top of the other
  # test projects, which dotnet test runs side by side, starve a 2-core machine and time out unrelated tests.
  dotnet test FeaturePlatform.sln -c "$configuration" --no-build -nologo \
    --logger "console;verbosity=normal" --blame-hang-timeout 8m --filter "FullyQualifiedName!~FeaturePlatform.Runtime.Tests.Cluster"
  dotnet test tests/Runtime.Tests -c "$configuration" --no-build -nologo \
    --logger "console;verbosity=normal" --blame-hang-timeout 8m --filter "FullyQualifiedName~FeaturePlatform.Runtime.Tests.Cluster"
fi
