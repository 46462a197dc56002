#!/usr/bin/env bash
# Fuzzes every parser of outside input with libFuzzer (cargo-fuzz): city config, region
# GeoJSON, the OpenAQ, Open311, WeChat Pay, bills and FHIR wire types, the multipart report form,
# photo decoding.
# Each target runs FUZZ_SECONDS (default 600) from its committed seeds (fuzz/seeds/) plus
# the corpus it grew before (fuzz/corpus/, not committed); FUZZ_JOBS targets run at once
# (default: one per core). Prints executions and findings per target; a finding is kept in
# fuzz/artifacts/<target>/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-600}
jobs=${FUZZ_JOBS:-$(nproc)}
targets=${FUZZ_TARGETS:-"city_config region_geojson openaq_wire open311_wire payment_wire fhir_wire open511_wire report_form photo"}
CARGO_FUZZ_VERSION=0.13.2

if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "==> installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# `--sanitizer none`: stable Rust (no AddressSanitizer, which needs nightly); the code under
# test forbids `unsafe`, so libFuzzer's coverage, panics and the memory limit do the work.
fuzz=(cargo fuzz run --sanitizer none --fuzz-dir fuzz)
cargo fuzz build --sanitizer none --fuzz-dir fuzz

run_one() { # target -> one line of figures
  local target=$1 log
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
  log=$(mktemp)
  if "${fuzz[@]}" "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
      -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=3072 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$target/" >"$log" 2>&1; then
    status=clean
  else
    status=FOUND
  fi
  local runs corpus findings
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  corpus=$(find "fuzz/corpus/$target" -type f | wc -l)
  findings=$(find "fuzz/artifacts/$target" -type f | wc -l)
  printf '%-16s %10s executions in %ss   corpus %5s   findings %s (%s)\n' \
    "$target" "${runs:-?}" "$seconds" "$corpus" "$findings" "$status"
  if [ "$status" = FOUND ]; then tail -n 40 "$log"; fi
  rm -f "$log"
  [ "$status" = clean ]
}
export -f run_one
export seconds
export FUZZ_CMD="${fuzz[*]}"

echo "== libFuzzer, ${seconds}s per target, $jobs at a time"
failed=0
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'fuzz=($FUZZ_CMD); run_one {}' || failed=1
exit $failed
