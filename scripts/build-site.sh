#!/usr/bin/env bash
# Builds what the server serves under target/site: the front end's wasm (bound by wasm-bindgen,
# shrunk by wasm-opt), its minified JS glue, the minified stylesheet, the public files, and a
# brotli and a gzip copy of each for the server to send as they are. Run by `make build`; the
# tools are the ones scripts/setup.sh installs.
#
# The wasm is split (tools/site-wasm) at every `#[island(lazy)]` and `#[lazy]` function into
# chunks a page loads only when it has that island or calls that function: the main module
# holds Leptos and the islands of the heaviest page (the report form's map and sender); an
# island of a lighter page, or code run only on a tap (a passkey ceremony), is a chunk.
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
# The splitter reads the linker's relocations; wasm-opt drops them from what is served.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Clink-args=--emit-relocs"
cargo build "$@" --lib
wasm="$FRONT_TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"

say "splitting the wasm at its lazy islands and binding it"
mkdir -p "$pkg"
written=$("$TOOLS_TARGET_DIR/release/site-wasm" "$wasm" "$pkg" "$name" --split)
mapfile -t modules <<<"$written"
for module in "${modules[@]}"; do
  # The options cargo-leptos passes: the features every browser the portal supports has.
  # Without the custom sections no browser reads (the compiler's name, its target's features).
  # The splitter's chunks keep a name subsection binaryen does not know, and says so once per
  # subsection; the names go anyway (-Oz), so that notice is left out of the build's output.
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
    --strip-producers --strip-target-features "$module" -o "$module" \
    2> >(grep -v '^warning: unknown name subsection' >&2)
done
for script in "$pkg"/*.js; do
  # wasm-bindgen names the splitter's loader once per import of it: the same module, so the
  # repeated keys are harmless.
  esbuild "$script" --minify --log-level=warning --log-override:duplicate-object-key=silent \
    --outfile="$script" --allow-overwrite
done

say "minifying the stylesheet"
# The browsers Browserslist calls "defaults", as before (cargo-leptos's `browserquery`).
lightningcss --minify --targets defaults style/main.css -o "$pkg/$name.css"
cp -R public/. "$site/"

say "compressing the site"
node scripts/precompress.mjs "$site"
