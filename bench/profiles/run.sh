#!/usr/bin/env bash
# Profiles benchmark: the load generator starts the application from the AppHost's graph (Aspire's testing builder;
# fresh state folder, random ports), measures identity resolution throughput and Profile API latency from the cache,
# prints a table, then stops everything and deletes the state folder. Options go to the load generator:
#   --events 50000 --batch 100 --rate 500 --seconds 20 [--profiles-alone]
set -euo pipefail
cd "$(dirname "$0")/../.."

# The load generator references the AppHost, which builds every service it runs (in Release, like the measurements).
echo "building (Release)…" >&2
dotnet build bench/profiles/LoadGenerator -c Release -warnaserror -v quiet -nologo -clp:NoSummary >&2
exec dotnet bench/profiles/LoadGenerator/bin/Release/net10.0/Alle.Bench.Profiles.dll "$@"
