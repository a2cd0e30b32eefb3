#!/usr/bin/env bash
# Audience preview benchmark: starts a private PostgreSQL (Debian's server binaries, the AppHost's settings), loads
# 1,000,000 generated profiles and their events with COPY, times previews of a few definitions (the north-star one
# included), prints a table, and stops the server and deletes its data when it ends.
#
#   bench/audiences/run.sh [--profiles 1000000] [--runs 5]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
state="$(mktemp -d /var/tmp/audiences-bench.XXXXXX)"
port="${PORT:-$(( 20000 + RANDOM % 20000 ))}"
as_postgres=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$state"
  as_postgres=(runuser -u postgres --)
fi

stop() {
  "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$state/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$state"
}
trap stop EXIT

"${as_postgres[@]}" "$pg_bin/initdb" -D "$state/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$state/data" -l "$state/server.log" -w start \
  -o "-p $port -k $state -c listen_addresses=127.0.0.1 -c max_connections=500 -c shared_buffers=256MB -c max_wal_size=4GB -c log_min_messages=warning" >/dev/null

dotnet run -c Release --project "$here/Alle.Audiences.Bench" -- --server "Host=127.0.0.1;Port=$port;Username=postgres" "$@"
