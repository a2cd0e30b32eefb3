#!/usr/bin/env bash
# Soak: the whole application (Release, fresh state folder, random ports; it takes the machine-wide ApplicationSlot)
# held at a steady open-loop load of single /v1/track calls through the gateway; every minute each process's RSS/PSS
# and the latency p50/p95/p99 of that minute's calls; at the end whether memory levelled off and latency drifted
# (the last third of the run against the second). See bench/soak/README.md. Options (or SOAK_* variables), defaults:
#   --minutes 30 (SOAK_MINUTES)     --rate 0 (SOAK_RATE; 0: half of the capacity measured first, 30 s closed loop)
#   --users 20000 (SOAK_USERS)      --connections 64 (SOAK_CONNECTIONS; the load generator's connection pool)
#   --logs DIR (default /var/tmp/alle-soak/<time>: every resource's console log, saved before the application stops)
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "building (Release)…" >&2
dotnet build bench/soak/SoakBench -c Release -warnaserror -v quiet -nologo -clp:NoSummary >&2
exec dotnet bench/soak/SoakBench/bin/Release/net10.0/Alle.Bench.Soak.dll "$@"
