#!/usr/bin/env bash
# Runs every test: unit and integration tests on the CPU backend, the CUDA feature check, the
# wasm32 build and the browser tests in headless Chromium. Installs what it needs (the wasm32
# target, wasm-bindgen-cli, binaryen, Chromium, playwright-core).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

stage "wasm32 target"
rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

stage "tests (cargo test --release)"
cargo test --release --workspace -- --show-output

stage "Inception cross-checks (need the converted weights)"
# These tests are #[ignore]d without the weights, so a skip never reads as a pass: they run
# here when the weights exist, and the stage says so when they do not.
inception="${GANVAS_INCEPTION:-$HOME/.cache/ganvas/inception-2015-12-05.safetensors}"
if [ -f "$inception" ]; then
  cargo test --release --test inception --test inception_folders -- --include-ignored --show-output
else
  echo "NOT RUN: no Inception weights at $inception (bash scripts/inception/setup.sh)"
fi

stage "quality gate of the shipped models (fetches Fashion-MNIST, MNIST and the emoji first)"
# #[ignore]d without the data sets, so a plain `cargo test` does not read a skip as a pass.
for set in fashion-mnist mnist emoji; do "$CARGO_TARGET_DIR/release/ganvas" data fetch "$set"; done
cargo test --release --test model_quality -- --include-ignored --show-output

stage "wgpu natively (Vulkan; lavapipe, Debian's CPU Vulkan, where there is no GPU)"
# #[ignore]d in a plain `cargo test`: they need a Vulkan adapter, installed here the way the
# browser tests' Chromium is.
if ! ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mesa-vulkan-drivers libvulkan1 >/dev/null
  else
    echo "No Vulkan driver: install Debian's mesa-vulkan-drivers (sudo apt-get install mesa-vulkan-drivers)" >&2; exit 1
  fi
fi
cargo test --release --test wgpu --test lowered_conv -- --include-ignored --show-output

stage "cuda feature compiles (cargo check --features cuda)"
# cubecl-cuda's LLVM bundle is fetched by a build script from outside the package registries;
# a type check does not link against it, so skip the download as docs.rs builds do.
DOCS_RS=1 cargo check --release -p ganvas --features cuda

stage "browser package (scripts/build-web.sh)"
bash scripts/build-web.sh

stage "browser tests (Playwright driving Debian's Chromium, WebGPU on SwiftShader)"
if ! [ -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "Chromium not found: install Debian's chromium package (sudo apt-get install chromium)" >&2; exit 1
  fi
fi
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
GANVAS_BIN="$CARGO_TARGET_DIR/release/ganvas" node --test --test-concurrency=1 tests/browser/

stage ""
