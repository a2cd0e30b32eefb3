#!/usr/bin/env bash
# Every benchmark scenario of issue 18 in one go, against ONE application (Release, fresh state folder, random ports;
# it takes the machine-wide ApplicationSlot, so it waits for any other whole-application run), each figure printed
# beside a baseline measured in the same run on the same servers, with the ratio. See bench/README.md.
#   bench/run.sh [--seconds 300] [--rate 10000] [--scenario-seconds 30] [--replicas 1]
#                [--only baselines,end-to-end,track,check-in,profiles]
# --seconds is the end-to-end load's duration, --rate its events per second; --scenario-seconds each other measurement's.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "building (Release)…" >&2
dotnet build bench/all/AllBench -c Release -warnaserror -v quiet -nologo -clp:NoSummary >&2
exec dotnet bench/all/AllBench/bin/Release/net10.0/Alle.Bench.All.dll "$@"
