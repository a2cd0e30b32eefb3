#!/usr/bin/env bash
# Ingestion benchmark: starts the whole application with the AppHost (Release build, fresh state folder, random ports),
# drives the Tracking API through the gateway and directly, prints a table, then stops everything.
#   bench/ingestion/run.sh [--ingestion-alone] [--seconds N] [--rate N] [--concurrency N] [--batch-size N] [--warm-up-seconds N]
# --ingestion-alone stops every service downstream of ingestion (through the dashboard) before measuring, so the
# figures show what ingestion and its warehouse loader do with the cores to themselves; messages wait in the broker.
set -euo pipefail
cd "$(dirname "$0")/../.."

alone=false
args=()
for arg in "$@"; do
  if [ "$arg" = "--ingestion-alone" ]; then alone=true; else args+=("$arg"); fi
done

echo "building (Release)…" >&2
dotnet build -c Release AppHost -v q -nologo >/dev/null
dotnet build -c Release bench/ingestion/LoadGenerator -v q -nologo >/dev/null

state=$(mktemp -d /var/tmp/alle-bench-XXXXXX)
chmod 755 "$state"
log="$state/apphost.out"
write_key="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
pg_password="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

env "Parameters__portal-write-key=$write_key" "Parameters__postgres-password=$pg_password" \
  dotnet AppHost/bin/Release/net10.0/Alle.AppHost.dll --state-dir "$state" --random-ports >"$log" 2>&1 &
apphost=$!
cleanup() {
  kill -TERM "$apphost" 2>/dev/null || true
  wait "$apphost" 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT

echo "starting the application (state in $state)…" >&2
for _ in $(seq 1 240); do
  grep -q "^Ready in" "$log" && break
  if ! kill -0 "$apphost" 2>/dev/null; then cat "$log" >&2; exit 1; fi
  sleep 0.5
done
grep -q "^Ready in" "$log" || { echo "the application did not become ready" >&2; cat "$log" >&2; exit 1; }

url_of() { awk -v name="$1" '/^Ready in/ { ready = 1 } ready && $1 == name { print $4; exit }' "$log"; }
gateway=$(url_of gateway)
ingestion=$(url_of ingestion)
postgres_port=$(url_of postgres | sed 's/.*://')
echo "gateway $gateway, ingestion $ingestion" >&2

if $alone; then
  dashboard_login=$(grep -m1 -o 'dashboard: .*' "$log" | cut -d' ' -f2)
  dashboard=${dashboard_login%%/login*}
  token=${dashboard_login#*login?t=}
  for service in web messaging audiences loyalty profiles; do
    curl -fsS -X POST -H "Authorization: Bearer $token" "$dashboard/api/resources/$service/stop" >/dev/null
  done
  echo "stopped web, messaging, audiences, loyalty and profiles: measuring ingestion alone" >&2
fi

dotnet bench/ingestion/LoadGenerator/bin/Release/net10.0/LoadGenerator.dll \
  --gateway "$gateway" --direct "$ingestion" --write-key "$write_key" --apphost-pid "$apphost" \
  --warehouse "Host=127.0.0.1;Port=$postgres_port;Username=postgres;Password=$pg_password;Database=warehousedb" ${args[@]+"${args[@]}"}
