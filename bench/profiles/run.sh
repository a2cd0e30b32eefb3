#!/usr/bin/env bash
# Profiles benchmark: starts the application (fresh state, random ports), measures identity resolution throughput and
# Profile API latency from the cache, prints a table, stops everything. Options go to the load generator:
#   --events 50000 --batch 100 --rate 500 --seconds 20 [--profiles-alone]
set -euo pipefail
cd "$(dirname "$0")/../.."

# The load generator references the AppHost, which builds every service it runs (in Release, like the measurements).
dotnet build bench/profiles/LoadGenerator -c Release -v quiet -nologo > /dev/null
dotnet bench/profiles/LoadGenerator/bin/Release/net10.0/Alle.Bench.Profiles.dll "$@"
