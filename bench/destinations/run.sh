#!/usr/bin/env bash
# Destinations benchmark: the load generator starts the application from the AppHost's graph (Aspire's testing builder;
# fresh state folder, random ports), delivers events to a local HTTP receiver through one and through five webhook
# destinations, prints a table with the CPU each delivery cost, then stops everything and deletes the state folder.
# Options go to the load generator:
#   --events 20000 --batch 100 [--with-pipeline]
set -euo pipefail
cd "$(dirname "$0")/../.."

# The load generator references the AppHost, which builds every service it runs (in Release, like the measurements).
echo "building (Release)…" >&2
dotnet build bench/destinations/LoadGenerator -c Release -warnaserror -v quiet -nologo -clp:NoSummary >&2
exec dotnet bench/destinations/LoadGenerator/bin/Release/net10.0/Alle.Bench.Destinations.dll "$@"
