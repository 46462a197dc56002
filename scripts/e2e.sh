#!/usr/bin/env bash
# The browser tests and the page-weight budget, each against the built server on its own port
# with a fresh SQLite file: the server is started, waited for, used and stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
server_bin=$1
port=${E2E_PORT:-3107}
work=$(mktemp -d)
server_pid=
trap 'stop_server; rm -rf "$work"' EXIT

# Passkeys are bound to a host name, never an IP address: the browser uses localhost.
export PORT=$port LEPTOS_SITE_ROOT=target/site PUBLIC_URL="http://localhost:$port/" DEMO_MODE=1
# The report test waits for a demo desk to close its request: close fast, poll often.
export DEMO_DESK_CLOSE_AFTER_SECONDS=6 REPORT_POLL_SECONDS=1
# The console tests sign in as a platform admin made the way an operator makes the first one.
export E2E_ADMIN_USER=e2e-platform E2E_ADMIN_PASSWORD="e2e platform password $$"

start_server() { # a fresh database named $1
  export DATABASE_URL="sqlite://$work/$1.db" PORTAL_SECRET_FILE="$work/$1.key"
  log="$work/$1.log"
  printf '%s\n' "$E2E_ADMIN_PASSWORD" |
    "$server_bin" admin create-platform-admin --username "$E2E_ADMIN_USER" --password-stdin >/dev/null
  "$server_bin" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then return; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$log"; echo "server exited"; exit 1; fi
    sleep 0.2
  done
}
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=
}
failed() { echo "--- server log ---"; tail -n 60 "$log"; exit 1; }

start_server browser
(cd end2end && BASE_URL="http://localhost:$port" npx playwright test ${E2E_ARGS:-}) || failed
stop_server

# Sign-ups are rate-limited per client address: the weighing gets a server of its own.
if [ -z "${E2E_ARGS:-}" ]; then
  start_server weight
  python3 scripts/page_weight.py --check "http://127.0.0.1:$port" "$E2E_ADMIN_USER" "$E2E_ADMIN_PASSWORD" || failed
  stop_server
fi
