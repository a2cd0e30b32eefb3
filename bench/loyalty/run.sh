#!/usr/bin/env bash
# Loyalty benchmark: coupon issue and redemption rate and latency through the gateway.
# Starts the whole application (Release build, its own state folder), runs the load generator, prints a table and
# stops everything it started. Usage: bench/loyalty/run.sh [members] [offers] [concurrency]
set -euo pipefail
cd "$(dirname "$0")/../.."

MEMBERS="${1:-1000}"
OFFERS="${2:-2}"
CONCURRENCY="${3:-32}"
STATE="/var/tmp/alle-bench-loyalty"
ADMIN_KEY="bench-admin-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
PROVIDER_KEY="bench-provider-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

echo "Building (Release)..."
dotnet build AppHost -c Release -v quiet -nologo >/dev/null
dotnet build bench/loyalty/LoadGenerator -c Release -v quiet -nologo >/dev/null

echo "Starting the application in $STATE..."
env "Parameters__admin-key=$ADMIN_KEY" "Parameters__provider-key=$PROVIDER_KEY" \
    dotnet run --project AppHost -c Release --no-build -- --state-dir "$STATE" --reset >"$STATE.apphost.log" 2>&1 &
APPHOST=$!
stop() {
    kill -TERM "$APPHOST" 2>/dev/null || true
    wait "$APPHOST" 2>/dev/null || true
}
trap stop EXIT

for _ in $(seq 1 180); do
    if [ -f "$STATE/ports.json" ]; then
        PORT=$(sed -n 's/.*"gateway\/http\/0":\([0-9]*\).*/\1/p' "$STATE/ports.json")
        if [ -n "$PORT" ] && curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then
            break
        fi
    fi
    if ! kill -0 "$APPHOST" 2>/dev/null; then
        echo "The AppHost exited; see $STATE.apphost.log" >&2
        exit 1
    fi
    sleep 1
done
curl -fs "http://127.0.0.1:$PORT/health" >/dev/null || { echo "The application did not become healthy; see $STATE.apphost.log" >&2; exit 1; }

dotnet bench/loyalty/LoadGenerator/bin/Release/net10.0/LoadGenerator.dll \
    --url "http://127.0.0.1:$PORT" --admin-key "$ADMIN_KEY" --provider-key "$PROVIDER_KEY" \
    --members "$MEMBERS" --offers "$OFFERS" --concurrency "$CONCURRENCY"
