# City Portal. `make run` sets up what is missing, builds and serves the demo;
# `make test` runs every check and test; `make bench` prints the benchmark figures;
# `make burst` sends 1,000 reports while killing the server, and counts what was kept;
# `make pay-burst` pays 500 bills through crashes and outages and reconciles the ledgers;
# `make book-race` has 200 residents race for 50 doctor's slots and reconciles the books;
# `make fuzz` fuzzes every parser of outside input.
SHELL := /bin/bash
.DEFAULT_GOAL := run

# Compiled artifacts live outside the clone so that fresh clones reuse dependencies. The front
# end (wasm) and the build tool have directories of their own so that they compile beside the
# server, not after it (cargo locks a target directory while it builds).
export CARGO_TARGET_DIR ?= $(HOME)/.cache/city-portal/target
export FRONT_TARGET_DIR := $(CARGO_TARGET_DIR)/front
export TOOLS_TARGET_DIR := $(CARGO_TARGET_DIR)/tools
# The name of the built CSS/JS/wasm files. Leptos reads it when it compiles: setting it for
# every cargo command keeps leptos from being rebuilt between the build and the tests.
export LEPTOS_OUTPUT_NAME := city_portal
# The Python with the protocols' clients the integration tests drive the simulators with.
export CITY_PORTAL_PYTHON ?= $(HOME)/.cache/city-portal/python/bin/python
# npm's tools first (binaryen's wasm-opt: Debian's breaks hydration; esbuild; Lightning CSS).
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

# The one profile (`fast`, Cargo.toml) and feature set of the server, the tests and the lints:
# each builds on what the others compiled (the server's dependencies are the tests').
PROFILE := fast
HOST := --profile $(PROFILE) --workspace --exclude frontend --exclude city-portal-fuzz
FRONT := --profile wasm-release --target-dir $(FRONT_TARGET_DIR) -p frontend --target wasm32-unknown-unknown

SERVER_BIN := $(CARGO_TARGET_DIR)/$(PROFILE)/server
BENCH_BIN := $(CARGO_TARGET_DIR)/$(PROFILE)
SITE_WASM := target/site/pkg/city_portal.wasm
SOURCES := $(shell find model core services app frontend server style public migrations tools/site-wasm/src -type f -not -path '*/node_modules/*') Cargo.toml Cargo.lock .cargo/config.toml \
  scripts/build-site.sh scripts/precompress.mjs tools/site-wasm/Cargo.toml tools/site-wasm/Cargo.lock \
  end2end/package-lock.json

.PHONY: run test setup build lint unit e2e bench burst pay-burst book-race fuzz clean

setup:
	@scripts/setup.sh

# Rebuilt only when a source changed, so a second `make run` starts in seconds. The server
# compiles from the first second; beside it, what the site needs is installed and the front
# end compiles (each build has steps that keep only one core busy).
# The site's build runs in a process group of its own, stopped with the server's (Ctrl-C).
$(SITE_WASM) $(SERVER_BIN) &: $(SOURCES)
	@setsid bash -c 'scripts/setup.sh site && scripts/build-site.sh $(FRONT)' & site=$$!; \
	  trap 'kill -TERM -- -$$site 2>/dev/null; exit 130' INT TERM; \
	  cargo build --profile $(PROFILE) -p server; server=$$?; wait $$site; site=$$?; \
	  [ $$server -eq 0 ] && [ $$site -eq 0 ] || { rm -f $(SITE_WASM); exit 1; }
	@touch $(SITE_WASM) $(SERVER_BIN)

build: $(SITE_WASM) $(SERVER_BIN)

# The demo: its sign-up codes at /_demo/outbox and the simulators' fault knobs.
run: build
	DEMO_MODE=$${DEMO_MODE:-1} LEPTOS_SITE_ROOT=target/site $(SERVER_BIN)

lint: setup
	@scripts/bare-ids.py
	cargo fmt --all -- --check
	cargo fmt --manifest-path tools/site-wasm/Cargo.toml -- --check
	cargo clippy $(HOST) --all-targets -- -D warnings
	cargo clippy $(FRONT) -- -D warnings
	cargo clippy --release --locked --manifest-path tools/site-wasm/Cargo.toml --target-dir $(TOOLS_TARGET_DIR) -- -D warnings

# One command for every crate's tests, so that one feature resolution serves them all.
# TEST_ARGS narrows it: TEST_ARGS="-p traffic-cameras" or TEST_ARGS="cameras::" (see README).
unit: setup
	cargo test $(HOST) $(TEST_ARGS)
	cargo test --release --locked --manifest-path tools/site-wasm/Cargo.toml --target-dir $(TOOLS_TARGET_DIR)

# One service's tests: its crate's own and the integration tests about it, e.g.
# `make test-cameras` (air, reports, payments, bills, appointments, cameras). The server is
# named in both commands so that cargo resolves the features as for every other build.
crate_air := air-quality
crate_reports := incident-reports
crate_payments := payments
crate_bills := utility-bills
crate_appointments := doctor-appointments
crate_cameras := traffic-cameras
integration_air := openaq_adapter::
integration_reports := reports:: report_delivery:: open311_adapter::
integration_payments := payments:: checkout::
integration_bills := bills::
integration_appointments := appointments::
integration_cameras := cameras::
test-%: setup
	@[ -n "$(crate_$*)" ] || { echo "no service named $*"; exit 1; }
	cargo test --profile $(PROFILE) -p server -p $(crate_$*) --lib
	cargo test --profile $(PROFILE) -p server --test integration -- $(integration_$*)

e2e: setup build
	@scripts/e2e.sh $(SERVER_BIN)

test: lint unit e2e

bench: setup build
	cargo build --profile $(PROFILE) -p portal-bench --bin bench_regions
	@scripts/bench.sh $(SERVER_BIN)

# BURST_ARGS="--database-url postgres://…/empty_db" runs it on Postgres.
burst: build
	cargo build --profile $(PROFILE) -p portal-bench --bin report_burst
	$(BENCH_BIN)/report_burst --server $(SERVER_BIN) $(BURST_ARGS)

# 500 bill payments while the server is killed twice, WeChat Pay answers late and the biller
# is down for a while; then the three ledgers are reconciled. PAY_BURST_ARGS="--database-url
# postgres://…/an_empty_db" runs it on Postgres.
pay-burst: build
	cargo build --profile $(PROFILE) -p portal-bench --bin pay_burst
	$(BENCH_BIN)/pay_burst --server $(SERVER_BIN) $(PAY_BURST_ARGS)

# 200 residents race for a hospital's last 50 slots, paying the fee, while the hospital is
# slow and the server is killed once; then the hospital's, our and WeChat Pay's books are
# reconciled. RACE_ARGS="--database-url postgres://…/an_empty_db" runs it on Postgres.
book-race: build
	cargo build --profile $(PROFILE) -p portal-bench --bin book_race
	$(BENCH_BIN)/book_race --server $(SERVER_BIN) $(RACE_ARGS)

# Every parser of outside input under libFuzzer; FUZZ_SECONDS per target (default 600).
fuzz: setup
	@scripts/fuzz.sh

clean:
	rm -rf target end2end/test-results  # never data/: it is the portal's database
