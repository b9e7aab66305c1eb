#!/usr/bin/env bash
# Runs every test: unit and integration tests on the CPU backend, the CUDA feature check and
# the wasm32 build check. Installs what it needs (the wasm32 target).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

stage "wasm32 target"
rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

stage "tests (cargo test --release)"
cargo test --release --workspace -- --show-output

stage "cuda feature compiles (cargo check --features cuda)"
cargo check --release -p ganvas --features cuda

stage "library builds for wasm32"
cargo check --release -p ganvas --lib --target wasm32-unknown-unknown --no-default-features --features flex,webgpu

stage ""
