#!/usr/bin/env bash
# Journey benchmark: the load generator starts the application from the AppHost's graph (Aspire's testing builder;
# fresh state folder, random ports, the machine-wide application slot), enrols members with marketing consent, triggers
# an event journey with a send_sms step for all of them at once, measures entries advanced per second and event → text
# latency, prints a table, then stops everything and deletes the state folder. Options go to the load generator:
#   --members 10000 --messages-per-second 1000 --concurrency 16 --batch 100 --minutes 20
set -euo pipefail
cd "$(dirname "$0")/../.."

# The load generator references the AppHost, which builds every service it runs (in Release, like the measurements).
echo "building (Release)…" >&2
dotnet build bench/messaging/JourneyBench -c Release -warnaserror -v quiet -nologo -clp:NoSummary >&2
exec dotnet bench/messaging/JourneyBench/bin/Release/net10.0/Alle.Bench.Messaging.dll "$@"
