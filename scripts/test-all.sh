#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with Rust: installs what the tests need when it is
# missing, then runs formatting, lints and every test. With CI=true nothing may be skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
