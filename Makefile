# The two commands of the README.
#   make local   run the whole system on this machine against the AWS emulator
#   make test    run every test and check (what CI runs)

.PHONY: local test emulator lint-template

emulator:
	tests/emulator/install.sh

# cfn-lint and checkov on infra/template.yaml, offline (installs once).
lint-template:
	infra/lint.sh

local: emulator
	cargo run --quiet -p memnun-tests --bin memnun-local -- $(ARGS)

test: emulator lint-template
	cargo build --workspace --all-targets
	cargo nextest run --workspace --no-fail-fast
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
