# The two commands of the README.
#   make local   run the whole system on this machine against the AWS emulator
#   make test    run every test and check (what CI runs)

.PHONY: local test emulator

emulator:
	tests/emulator/install.sh

local: emulator
	cargo run --quiet -p memnun-local --bin memnun-local -- $(ARGS)

test: emulator
	cargo build --workspace --all-targets
	cargo nextest run --workspace --no-fail-fast
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
