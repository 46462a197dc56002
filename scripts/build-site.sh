#!/usr/bin/env bash
# Builds what the server serves under target/site: the front end's wasm (bound by wasm-bindgen,
# shrunk by wasm-opt), its minified JS glue, the minified stylesheet, the public files, and a
# brotli and a gzip copy of each for the server to send as they are. Run by `make build`; the
# tools are the ones scripts/setup.sh installs.
#
# SPLIT_WASM=1 splits the wasm at every `#[island(lazy)]` into chunks a page loads only for
# the islands it has (tools/site-wasm). No island is lazy today: with all six lazy, the
# lightest pages with an island fell to 79 KiB but the report form, which needs most of the
# code, rose from 98 to 117 KiB in 24 requests (code two islands share goes to chunks of its
# own, and the pieces compress less well apart).
#
# On its own (a deployment): `scripts/build-site.sh`, after `scripts/setup.sh site`.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-$HOME/.cache/city-portal/target}
FRONT_TARGET_DIR=${FRONT_TARGET_DIR:-$target_dir/front}
TOOLS_TARGET_DIR=${TOOLS_TARGET_DIR:-$target_dir/tools}
name=${LEPTOS_OUTPUT_NAME:-city_portal}
export LEPTOS_OUTPUT_NAME=$name PATH="$PWD/end2end/node_modules/.bin:$PATH"
# The Makefile's $(FRONT), when not given.
[ $# -gt 0 ] || set -- --profile wasm-release --target-dir "$FRONT_TARGET_DIR" -p frontend --target wasm32-unknown-unknown
site=target/site
pkg=$site/pkg
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

say "compiling the front end to wasm"
split=()
if [ "${SPLIT_WASM:-}" = 1 ]; then
  split=(--split)
  # The splitter reads the linker's relocations; wasm-opt drops them from what is served.
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Clink-args=--emit-relocs"
fi
cargo build "$@" --lib
wasm="$FRONT_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"

say "binding the wasm${split:+ (split at its lazy islands)}"
mkdir -p "$pkg"
written=$("$TOOLS_TARGET_DIR/release/site-wasm" "$wasm" "$pkg" "$name" "${split[@]}")
mapfile -t modules <<<"$written"
for module in "${modules[@]}"; do
  # The options cargo-leptos passes: the features every browser the portal supports has.
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int "$module" -o "$module"
done
for script in "$pkg"/*.js; do
  esbuild "$script" --minify --log-level=warning --outfile="$script" --allow-overwrite
done

say "minifying the stylesheet"
# The browsers Browserslist calls "defaults", as before (cargo-leptos's `browserquery`).
lightningcss --minify --targets defaults style/main.css -o "$pkg/$name.css"
cp -R public/. "$site/"

say "compressing the site"
node scripts/precompress.mjs "$site"
