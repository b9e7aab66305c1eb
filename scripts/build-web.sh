#!/usr/bin/env bash
# Builds the browser package: the `ganvas` crate for wasm32 (Flex CPU + WebGPU backends),
# wasm-bindgen at exactly the crate's wasm-bindgen version, wasm-opt from binaryen → pkg/.
# Installs what is missing (wasm32 target, wasm-bindgen-cli, binaryen from npm).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $version"; then
  echo "installing wasm-bindgen-cli $version (once)"
  cargo install wasm-bindgen-cli --version "$version"
fi
# wasm-opt from binaryen, through npm (Debian's binaryen 108 mangles wasm-bindgen's tables).
[ -x scripts/node_modules/.bin/wasm-opt ] || (cd scripts && npm ci --no-audit --no-fund --loglevel=error)
wasm_opt=scripts/node_modules/.bin/wasm-opt

cargo build --profile web -p ganvas --lib --target wasm32-unknown-unknown --no-default-features --features flex,webgpu
wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/web/ganvas.wasm"
# GANVAS_WASM_OPT=0 skips wasm-opt (minutes) for quick development builds; the package is then
# ~4x larger and the next normal build optimises it.
opt_flags=(-Os --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-simd --enable-multivalue)
# wasm-bindgen and wasm-opt take minutes: skip them when pkg/ was made from this very module
# with these tools and flags (pkg/.inputs records what it was made from; the server never
# serves dotfiles).
inputs="$(sha256sum "$wasm" | cut -d' ' -f1) wasm-bindgen $version $("$wasm_opt" --version) ${opt_flags[*]}"
[ "${GANVAS_WASM_OPT:-1}" = 0 ] && inputs="$inputs (wasm-opt skipped)"
if [ -f pkg/ganvas_bg.wasm ] && [ -f pkg/ganvas.js ] && [ "$(cat pkg/.inputs 2>/dev/null)" = "$inputs" ]; then
  # The pre-compressed copy scripts/serve.mjs sends to browsers that accept gzip.
  [ pkg/ganvas_bg.wasm.gz -nt pkg/ganvas_bg.wasm ] || gzip -9 -n -k -f pkg/ganvas_bg.wasm
  echo "pkg/ is up to date with the compiled module (wasm-bindgen and wasm-opt skipped)"
  exit 0
fi
rm -rf pkg && mkdir -p pkg
wasm-bindgen --target web --no-typescript --out-dir pkg "$wasm"
before=$(stat -c %s pkg/ganvas_bg.wasm)
if [ "${GANVAS_WASM_OPT:-1}" != 0 ]; then
  "$wasm_opt" "${opt_flags[@]}" pkg/ganvas_bg.wasm -o pkg/ganvas_bg.opt.wasm && mv pkg/ganvas_bg.opt.wasm pkg/ganvas_bg.wasm
fi
after=$(stat -c %s pkg/ganvas_bg.wasm)
gzip -9 -n -k -f pkg/ganvas_bg.wasm # served pre-compressed by scripts/serve.mjs
gz=$(stat -c %s pkg/ganvas_bg.wasm.gz)
echo "pkg/ganvas_bg.wasm: $((before / 1024)) KiB from wasm-bindgen, $((after / 1024)) KiB after wasm-opt, $((gz / 1024)) KiB gzipped"
echo "$inputs" > pkg/.inputs
