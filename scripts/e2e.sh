#!/usr/bin/env bash
# Starts the built server on its own port with a fresh SQLite file, waits until it answers,
# runs the Playwright tests against it, and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
server_bin=$1
port=${E2E_PORT:-3107}
work=$(mktemp -d)
log="$work/server.log"

# Passkeys are bound to a host name, never an IP address: the browser uses localhost.
export PORT=$port DATABASE_URL="sqlite://$work/portal.db" LEPTOS_SITE_ROOT=target/site \
  PUBLIC_URL="http://localhost:$port/" PORTAL_SECRET_FILE="$work/secret.key" DEMO_MODE=1
# The report test waits for a demo desk to close its request: close fast, poll often.
export DEMO_DESK_CLOSE_AFTER_SECONDS=6 REPORT_POLL_SECONDS=1
# The console tests sign in as a platform admin made the way an operator makes the first one.
export E2E_ADMIN_USER=e2e-platform E2E_ADMIN_PASSWORD="e2e platform password $$"
printf '%s\n' "$E2E_ADMIN_PASSWORD" |
  "$server_bin" admin create-platform-admin --username "$E2E_ADMIN_USER" --password-stdin >/dev/null
"$server_bin" >"$log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 $server_pid 2>/dev/null; then cat "$log"; echo "server exited"; exit 1; fi
  sleep 0.2
done

cd end2end
if ! BASE_URL="http://localhost:$port" npx playwright test ${E2E_ARGS:-}; then
  echo "--- server log ---"; tail -n 60 "$log"
  exit 1
fi
