#!/usr/bin/env bash
# Soak: the whole application (Release, fresh state folder, random ports) held at a steady load of single /v1/track
# calls through the gateway for a while; every minute the resident memory of each service process and the p50/p99 of
# that minute's calls; at the end whether each service's memory levelled off and whether latency drifted.
#   bench/soak/run.sh [--minutes 30] [--rate 400] [--users 20000]
# The default rate is about half of what the whole pipeline sustained for single track calls through the gateway on
# this machine (837/s, README "Ingestion → Benchmark").
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "building (Release)…" >&2
dotnet build bench/soak/SoakBench -c Release -warnaserror -v quiet -nologo -clp:NoSummary >&2
exec dotnet bench/soak/SoakBench/bin/Release/net10.0/Alle.Bench.Soak.dll "$@"
