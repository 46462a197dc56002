#!/usr/bin/env bash
# Prints City Portal's figures: SSR throughput against a trivial handler in the same process,
# every page's first-visit bytes with brotli, the cameras page's first visit with its first screen
# of pictures, frames served from the portal's cache against the pictures it asked for, and region
# lookups per second. A benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."
server_bin=$1
port=${BENCH_PORT:-3207}
duration=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}

if ! command -v wrk >/dev/null; then
  echo "==> installing wrk (Debian) for the load"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi

work=$(mktemp -d)
export DATABASE_URL="sqlite://$work/portal.db"
# The console's pages are weighed too: an admin made the way an operator makes the first.
admin_user=bench-admin admin_password="bench admin password $$"
printf '%s\n' "$admin_password" |
  "$server_bin" admin create-platform-admin --username "$admin_user" --password-stdin >/dev/null
# Readings count as current for one second, so refreshes keep coming during the slow-provider load.
RUST_LOG=warn DEMO_MODE=1 AIR_CACHE_SECONDS=1 PORT=$port \
  LEPTOS_SITE_ROOT=target/site PORTAL_SECRET_FILE="$work/secret.key" \
  "$server_bin" >"$work/server.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$base/c/shenzhen" >/dev/null

load() { # path -> "requests/s p99"
  local out rps p99
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$base$1")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  echo "$rps $p99"
}

echo "== SSR against a trivial handler (wrk, ${duration}s, $connections connections, same process and middleware)"
read -r page_rps page_p99 < <(load /c/shenzhen)
read -r trivial_rps trivial_p99 < <(load /healthz)
printf '%-22s %12s req/s   p99 %s\n' "GET /c/shenzhen" "$page_rps" "$page_p99"
printf '%-22s %12s req/s   p99 %s\n' "GET /healthz (trivial)" "$trivial_rps" "$trivial_p99"
awk -v a="$page_rps" -v b="$trivial_rps" 'BEGIN { printf "SSR ratio              %12.3f\n", a / b }'

echo "== First visit to every page: bytes on the wire with Accept-Encoding: br"
python3 scripts/page_weight.py "$base" "$admin_user" "$admin_password"

echo "== The air page with its provider hung (every call times out at 3 s; readings expire each second)"
curl -fsS "$base/c/shenzhen/air" >/dev/null # the last good readings
knob() { curl -fsS -X POST -H "Origin: http://localhost:$port" -H 'Content-Type: application/json' \
  -d "$1" "$base/_demo/faults/openaq" >/dev/null; }
knob '{"mode": "slow", "delay_ms": 60000}'
# Each request timed on its own (wrk fills in latencies for requests it did not send while
# one waited, which hides who waited): 8 clients back to back for the whole run.
python3 - "$base/c/shenzhen/air" "$duration" <<'PY'
import sys, time, urllib.request, concurrent.futures as futures
url, seconds = sys.argv[1], float(sys.argv[2])
def client(_):
    took, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        urllib.request.urlopen(url).read()
        took.append(time.monotonic() - started)
    return took
with futures.ThreadPoolExecutor(8) as pool:
    took = sorted(t for one in pool.map(client, range(8)) for t in one)
at = lambda q: took[min(len(took) - 1, int(q * len(took)))] * 1000
waited = [t for t in took if t > 0.05]
print(f"requests               {len(took):12d}   in {seconds:.0f} s, 8 clients")
print(f"p50 / p99 / p99.9      {at(0.5):9.1f} ms / {at(0.99):.1f} ms / {at(0.999):.1f} ms")
print(f"over 50 ms             {len(waited):12d}   (each one waited for a refresh: {', '.join(f'{t*1000:.0f} ms' for t in waited[:6])})")
PY
knob '{"mode": "ok"}'

echo "== The cameras page: a first visit at 360x780 (Chromium), and frames from the portal's cache"
(cd end2end && BASE_URL="$base" node first-screen.mjs /c/shenzhen/cameras) |
  python3 scripts/camera_weight.py "$base" /c/shenzhen/cameras
# One camera's picture asked for by many at once: served from the portal's copy, while the
# portal asks the camera (the simulator) once per refresh interval. The upstream count is the
# portal's own metric of its picture calls.
pictures_asked() {
  curl -fsS "$base/metrics" |
    awk '/^provider_call_duration_seconds_count\{/ && /operation="picture"/ && /provider="shenzhen-traffic-cameras"/ { n += $NF } END { print n + 0 }'
}
frame=/c/shenzhen/cameras/futian-1/thumb.jpg
curl -fsS "$base$frame" >/dev/null
asked_before=$(pictures_asked)
read -r frame_rps frame_p99 < <(load "$frame")
asked=$(( $(pictures_asked) - asked_before ))
printf '%-22s %12s req/s   p99 %s\n' "GET $frame" "$frame_rps" "$frame_p99"
awk -v rps="$frame_rps" -v asked="$asked" -v s="$duration" 'BEGIN {
  served = rps * s
  printf "frames served          %12.0f   in %d s; pictures asked of the camera: %d (one per 10 s refresh interval)\n", served, s, asked
  if (asked > 0) printf "served per upstream     %12.0f\n", served / asked
}'

echo "== Region lookups"
CONFIG_DIR=config "$(dirname "$server_bin")/bench_regions"
