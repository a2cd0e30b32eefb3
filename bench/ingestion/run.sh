#!/usr/bin/env bash
# Ingestion benchmark: the load generator starts the whole application from the AppHost's graph (Aspire's testing
# builder; Release build, fresh state folder, random ports), drives the Tracking API through the gateway and directly,
# prints a table, then stops everything and deletes the state folder.
#   bench/ingestion/run.sh [--ingestion-alone] [--track-only] [--seconds N] [--rate N[,N…]] [--concurrency N] [--batch-size N] [--warm-up-seconds N]
# --track-only measures single /v1/track calls only (FixedRateLatency), at each rate given (e.g. --rate 1000,3000).
# --ingestion-alone stops every service downstream of ingestion (through Aspire, as the dashboard's stop button does)
# before measuring, so the figures show what ingestion and its warehouse loader do with the cores to themselves;
# messages wait in the broker.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The load generator references the AppHost, which builds every service it runs (in Release, like the measurements).
echo "building (Release)…" >&2
dotnet build bench/ingestion/LoadGenerator -c Release -warnaserror -v q -nologo -clp:NoSummary >&2
exec dotnet bench/ingestion/LoadGenerator/bin/Release/net10.0/LoadGenerator.dll "$@"
