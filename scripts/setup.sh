#!/usr/bin/env bash
# Installs what building and testing City Portal needs, from the package registries only
# (crates.io, npm, Debian), skipping whatever is already there. Nothing here is compiled with
# link-time optimisation or twice: the one build tool of our own (tools/site-wasm) is small
# and built for a build tool, not for speed.
#
# `setup.sh site`: only what building the site needs (run beside the server's compile by
# `make build`); without it, also what the lints and the browser tests need.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS_TARGET_DIR=${TOOLS_TARGET_DIR:-${CARGO_TARGET_DIR:-$HOME/.cache/city-portal/target}/tools}
only_site=false
[ "${1:-}" = site ] && only_site=true

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! $only_site; then
  for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
      say "adding rustup component $component"
      rustup component add "$component"
    fi
  done
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32 target"
  rustup target add wasm32-unknown-unknown
fi

# The glue wasm-bindgen writes must match the library the front end links, exactly.
locked=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
if ! grep -q "^wasm-bindgen-cli-support = \"=$locked\"" tools/site-wasm/Cargo.toml; then
  echo "tools/site-wasm/Cargo.toml must pin wasm-bindgen-cli-support = \"=$locked\" (Cargo.lock's wasm-bindgen)" >&2
  exit 1
fi
# Cargo itself skips this when nothing changed. A target directory of its own, so that it
# compiles beside the server instead of waiting for the server's directory.
cargo build --release --locked --quiet --manifest-path tools/site-wasm/Cargo.toml \
  --target-dir "$TOOLS_TARGET_DIR"

if [ ! -x end2end/node_modules/.bin/wasm-opt ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  say "installing npm packages (wasm-opt, esbuild, Lightning CSS, Playwright, axe-core)"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi

# The Python clients of the protocols the integration tests drive the simulators with, in a
# virtual environment of their own outside the clone (fresh clones reuse it).
python_env=${CITY_PORTAL_PYTHON_ENV:-$HOME/.cache/city-portal/python}
if ! $only_site && ! cmp -s scripts/python-clients.txt "$python_env/installed.txt"; then
  say "installing the Python clients of the protocols (PyPI)"
  python3 -m venv "$python_env"
  "$python_env/bin/pip" install --quiet --disable-pip-version-check -r scripts/python-clients.txt
  cp scripts/python-clients.txt "$python_env/installed.txt"
fi

# Only the tests and the benchmark open pages in a browser.
if ! $only_site && [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's Chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
fi
