# The two commands of the README.
#   make local   run the whole system on this machine against the AWS emulator
#   make test    run every test and check (what CI runs)
# and the inner loop:
#   make check   fmt, clippy and every test that needs no emulator

.PHONY: local test check emulator lint-template browser-tools browser soak bench bench-peer

emulator:
	tests/emulator/install.sh

# cfn-lint and checkov on infra/template.yaml, offline (installs once).
lint-template:
	infra/lint.sh

# Debian's chromium and playwright-core for the browser test (installs once).
browser-tools:
	tests/browser/install.sh

# The browser test alone: the unsubscribe page in headless chromium.
browser: emulator browser-tools
	cargo nextest run -p memnun-tests --test browser

# The soak: mixed events through every real function, 10 % sent twice, 5 % out
# of order, 20 % of their AWS calls faulted (tests/src/soak.rs). Not part of
# `make test`: about an hour for the default 10 000 events on 2 cores.
# Options: ARGS="--events N --seed S --faults F --environments N --kill-every N --out DIR";
# the kill soak of docs/guarantees.md: ARGS="--events 2000 --kill-every 50".
soak: emulator
	cargo build --quiet --workspace --bins
	cargo run --quiet -p memnun-tests --bin memnun-soak -- $(ARGS)

local: emulator
	cargo run --quiet -p memnun-tests --bin memnun-local -- $(ARGS)

test: emulator lint-template browser-tools
	cargo build --workspace --bins
	cargo build --workspace --all-targets
	cargo nextest run --workspace --no-fail-fast
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

# The inner loop: fmt, clippy, and every test that needs no emulator, no
# browser and no built binary (the domain's unit and property tests, the
# hostile-input tests, the handlers' in-memory tests, the template's and the
# docs' checks).
check:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo nextest run --workspace -E 'not package(memnun-tests) or binary(template) or binary(docs)'

# The peers the benchmark compares with, installed once each: Python (boto3
# in its own virtualenv) and Node.js 20 (the AWS SDK for JavaScript v3).
bench-peer:
	tools/bench/peer/install.sh
	tools/bench/peer-node/install.sh

# The benchmark (docs/performance.md): builds the release binaries, then
# measures every function against a loopback AWS stub, beside the Python
# and Node.js peers, and the fan-out against the emulator. Not part of
# `make test`; takes about half an hour. Writes tools/bench/results/<date>.json and .md.
#   make bench ARGS="--only review-responder --no-fanout --runs 30"
bench: emulator bench-peer
	cargo build --release --workspace --bins
	$${CARGO_TARGET_DIR:-target}/release/memnun-bench $(ARGS)
