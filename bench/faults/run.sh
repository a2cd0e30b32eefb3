#!/usr/bin/env bash
# The long fault suite: the fault tests' scenarios (Tests/Alle.FaultTests/Scenarios) at full size on one application
# started from the AppHost's graph (Aspire's testing builder; Release build, fresh state folder, random ports, the
# shipped settings), then a table of every fault: sent, acknowledged, stored, lost, duplicated, unexpected, in doubt and
# time to recover. Faults, in turn: SIGKILL of the gateway, ingestion, Profiles and Audiences and of PostgreSQL,
# RabbitMQ and Redis (every process of the server), then RabbitMQ, PostgreSQL and Redis stopped for a while, under a
# stream of --events track calls at --rate per second (more if the faults outlast them); ingestion and then RabbitMQ
# down while Loyalty and Messaging record facts; a journey texting --journey-entries members while Messaging is
# SIGKILLed --kills times; Redis down with its fall-backs checked.
# Exits non-zero if anything was lost, doubled or made up. Options go to the program (defaults shown):
#   --events 100000 --rate 400 --broker-outage 120 --postgres-outage 60 --ingestion-outage 180 --cache-outage 60
#   --members 50 --journey-entries 1000 --kills 5 --only stream,facts,journey,cache
#   --logs DIR (default /var/tmp/alle-faults/<time>: every resource's console log, saved before the application stops)
# The application takes the machine-wide ApplicationSlot (Tests/Alle.Testing), so it never runs beside another.
set -euo pipefail
cd "$(dirname "$0")/../.."

echo "building (Release)…" >&2
dotnet build bench/faults/FaultBench -c Release -warnaserror -v quiet -nologo -clp:NoSummary >&2
exec dotnet bench/faults/FaultBench/bin/Release/net10.0/Alle.Bench.Faults.dll "$@"
