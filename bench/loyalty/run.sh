#!/usr/bin/env bash
# Loyalty benchmark: coupon issue and redemption rate and latency through the gateway.
# Starts the whole application with the AppHost (Release build, a fresh state folder, random ports), runs the load
# generator, prints a table, then stops everything it started and deletes the state folder.
# Usage: bench/loyalty/run.sh [members] [offers] [concurrency]
set -euo pipefail
cd "$(dirname "$0")/../.."

MEMBERS="${1:-1000}"
OFFERS="${2:-2}"
CONCURRENCY="${3:-32}"
ADMIN_KEY="bench-admin-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
PROVIDER_KEY="bench-provider-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

echo "Building (Release)..."
dotnet build AppHost -c Release -warnaserror -v quiet -nologo -clp:NoSummary >&2
dotnet build bench/loyalty/LoadGenerator -c Release -warnaserror -v quiet -nologo -clp:NoSummary >&2

STATE="$(mktemp -d /var/tmp/alle-bench-loyalty-XXXXXX)"
LOG="$STATE/apphost.out"
echo "Starting the application in $STATE..."
# Its own session, so a hung AppHost's whole process group can be killed.
env "Parameters__admin-key=$ADMIN_KEY" "Parameters__provider-key=$PROVIDER_KEY" \
    setsid dotnet AppHost/bin/Release/net10.0/Alle.AppHost.dll --state-dir "$STATE" --random-ports >"$LOG" 2>&1 &
APPHOST=$!
# A process and every process under it.
tree_of() {
    ps -eo pid=,ppid= | awk -v root="$1" '{ parent[$1] = $2 }
        END { for (p in parent) { q = p; while (q != root && q in parent && q > 1) q = parent[q]; if (q == root) print p } }'
}
# Whether any of the processes still runs (not counting zombies: the AppHost is one until it is waited for).
any_alive() {
    local pid state
    for pid in "$@"; do
        state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)
        if [ -n "$state" ] && [ "$state" != Z ]; then return 0; fi
    done
    return 1
}
# SIGTERM stops the application: the AppHost, and Aspire's orchestrator (DCP, which detaches from the AppHost and watches
# it by pid) with every server and service it started. Waits for all of them (40 s, then kills what is left), then
# deletes the state folder.
stop() {
    local processes orchestrator
    orchestrator=$(pgrep -f -- "dcp start-apiserver --monitor $APPHOST " || true)
    processes="$(tree_of "$APPHOST") $(for o in $orchestrator; do tree_of "$o"; done)"
    kill -TERM "$APPHOST" 2>/dev/null || true
    for _ in $(seq 1 80); do
        # shellcheck disable=SC2086
        any_alive $processes || break
        sleep 0.5
    done
    kill -KILL -- "-$APPHOST" 2>/dev/null || true
    # shellcheck disable=SC2086
    kill -KILL $processes 2>/dev/null || true
    wait "$APPHOST" 2>/dev/null || true
    rm -rf "$STATE"
}
trap stop EXIT

# The AppHost prints "gateway: URL" in its report once every resource is healthy; the report ends with "Ready in N s".
for _ in $(seq 1 480); do
    grep -q "^Ready in" "$LOG" && break
    if ! any_alive "$APPHOST"; then
        echo "The AppHost exited:" >&2
        tail -50 "$LOG" >&2
        exit 1
    fi
    sleep 0.5
done
GATEWAY=$(sed -n 's/^  gateway: \(http[^ ]*\)$/\1/p' "$LOG" | head -1)
if [ -z "$GATEWAY" ]; then
    echo "The application did not become ready:" >&2
    tail -50 "$LOG" >&2
    exit 1
fi

dotnet bench/loyalty/LoadGenerator/bin/Release/net10.0/LoadGenerator.dll \
    --url "$GATEWAY" --admin-key "$ADMIN_KEY" --provider-key "$PROVIDER_KEY" \
    --members "$MEMBERS" --offers "$OFFERS" --concurrency "$CONCURRENCY"
