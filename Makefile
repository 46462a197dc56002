# City Portal. `make run` sets up what is missing, builds and serves the demo;
# `make test` runs every check and test; `make bench` prints the benchmark figures;
# `make burst` sends 1,000 reports while killing the server, and counts what was kept;
# `make pay-burst` pays 500 bills through crashes and outages and reconciles the ledgers;
# `make book-race` has 200 residents race for 50 doctor's slots and reconciles the books;
# `make fuzz` fuzzes every parser of outside input.
SHELL := /bin/bash
.DEFAULT_GOAL := run

# Compiled artifacts live outside the clone so that fresh clones reuse dependencies.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/city-portal/target
# The name of the built CSS/JS/wasm files; cargo-leptos sets it too, and setting it for every
# cargo command keeps leptos from being rebuilt between `cargo leptos` and `cargo test`.
export LEPTOS_OUTPUT_NAME := city_portal
# npm's binaryen (wasm-opt) first: Debian's breaks hydration. Cargo-installed tools next.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

SERVER_BIN := $(CARGO_TARGET_DIR)/release/server
SITE_WASM := target/site/pkg/city_portal.wasm
SOURCES := $(shell find model core services app frontend server style public migrations -type f -not -path '*/node_modules/*') Cargo.toml Cargo.lock

.PHONY: run test setup build lint unit e2e bench burst pay-burst book-race fuzz clean

setup:
	@scripts/setup.sh

# Rebuilt only when a source changed, so a second `make run` starts in seconds.
$(SITE_WASM) $(SERVER_BIN) &: $(SOURCES) | setup
	cargo leptos build --release --precompress
	@touch $(SITE_WASM) $(SERVER_BIN)

build: setup $(SITE_WASM) $(SERVER_BIN)

# The demo: its sign-up codes at /_demo/outbox and the simulators' fault knobs.
run: build
	DEMO_MODE=$${DEMO_MODE:-1} LEPTOS_SITE_ROOT=target/site $(SERVER_BIN)

lint: setup
	cargo fmt --all -- --check
	cargo clippy --release --workspace --exclude frontend --exclude city-portal-fuzz --features app/ssr --all-targets -- -D warnings
	cargo clippy --release -p frontend --target wasm32-unknown-unknown -- -D warnings

unit: setup
	cargo test --release -p model -p app --features app/ssr
	cargo test --release --workspace --exclude model --exclude app --exclude frontend --exclude city-portal-fuzz

e2e: build
	@scripts/e2e.sh $(SERVER_BIN)

test: lint unit e2e

bench: build
	cargo build --release -p server --bin bench_regions
	@scripts/bench.sh $(SERVER_BIN)

# BURST_ARGS="--database-url postgres://…/empty_db" runs it on Postgres.
burst: build
	cargo build --release -p server --bin report_burst
	$(CARGO_TARGET_DIR)/release/report_burst --server $(SERVER_BIN) $(BURST_ARGS)

# 500 bill payments while the server is killed twice, WeChat Pay answers late and the biller
# is down for a while; then the three ledgers are reconciled. PAY_BURST_ARGS="--database-url
# postgres://…/an_empty_db" runs it on Postgres.
pay-burst: build
	cargo build --release -p server --bin pay_burst
	$(CARGO_TARGET_DIR)/release/pay_burst --server $(SERVER_BIN) $(PAY_BURST_ARGS)

# 200 residents race for a hospital's last 50 slots, paying the fee, while the hospital is
# slow and the server is killed once; then the hospital's, our and WeChat Pay's books are
# reconciled. RACE_ARGS="--database-url postgres://…/an_empty_db" runs it on Postgres.
book-race: build
	cargo build --release -p server --bin book_race
	$(CARGO_TARGET_DIR)/release/book_race --server $(SERVER_BIN) $(RACE_ARGS)

# Every parser of outside input under libFuzzer; FUZZ_SECONDS per target (default 600).
fuzz: setup
	@scripts/fuzz.sh

clean:
	rm -rf target end2end/test-results  # never data/: it is the portal's database
