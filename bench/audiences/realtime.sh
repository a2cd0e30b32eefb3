#!/usr/bin/env bash
# Audiences' real-time benchmark: the load generator starts the application from the AppHost's graph (Aspire's testing
# builder; Release build, fresh state folder, random ports), stops the services downstream of ingestion except Audiences,
# defines a few audiences and computed traits, publishes ProfilesUpdated batches straight to the broker as Profiles does,
# and measures how fast Audiences applies them (events/s, CPU of Audiences and PostgreSQL). Prints a table, then stops
# everything and deletes the state folder.
#   bench/audiences/realtime.sh [--events 30000] [--profiles 3000] [--batch 100] [--concurrent-batches N]
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "building (Release)…" >&2
dotnet build bench/audiences/RealTimeBench -c Release -warnaserror -v quiet -nologo -clp:NoSummary >&2
exec dotnet bench/audiences/RealTimeBench/bin/Release/net10.0/Alle.Bench.Audiences.RealTime.dll "$@"
