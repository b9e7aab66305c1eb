#!/usr/bin/env bash
# Builds the browser packages: the `ganvas` crate for wasm32, wasm-bindgen at exactly the crate's
# wasm-bindgen version, wasm-opt from binaryen →
#   pkg/          the main module: Flex CPU + WebGPU backends, one thread;
#   pkg/fusion/   the WebGPU-only module with Burn's operation fusion, which the page runs on
#                 WebGPU with ?fusion=1 (opt-in: see the README; no CPU backend, which with
#                 fusion would not fit the 3.5 MiB budget). GANVAS_FUSION=0 skips it;
#   pkg/threads/  the CPU-only threaded module: atomics and shared memory, rayon on Web Workers
#                 (wasm-bindgen-rayon), which the page uses on the CPU where it is cross-origin
#                 isolated. Built with the nightly toolchain (`-Z build-std`: the prebuilt wasm32
#                 standard library has no atomics). GANVAS_THREADS=0 skips it.
# Installs what is missing (wasm32 target, nightly's rust-src, wasm-bindgen-cli, binaryen from npm).
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
# GANVAS_WASM_OPT=0 skips wasm-opt (minutes) for quick development builds; the package is then
# ~4x larger and the next normal build optimises it.
opt_flags=(-Os --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-simd --enable-multivalue)

# package OUT WASM [extra wasm-opt flags…]: wasm-bindgen, wasm-opt and gzip of one module into
# OUT. Skipped when OUT was made from this very module with these tools and flags (OUT/.inputs
# records what it was made from; the server never serves dotfiles). Other packages inside OUT
# (pkg/threads/ inside pkg/) are left alone.
package() {
  local out="$1" wasm="$2"; shift 2
  local flags=("${opt_flags[@]}" "$@")
  local inputs
  inputs="$(sha256sum "$wasm" | cut -d' ' -f1) wasm-bindgen $version $("$wasm_opt" --version) ${flags[*]}"
  [ "${GANVAS_WASM_OPT:-1}" = 0 ] && inputs="$inputs (wasm-opt skipped)"
  if [ -f "$out/ganvas_bg.wasm" ] && [ -f "$out/ganvas.js" ] && [ "$(cat "$out/.inputs" 2>/dev/null)" = "$inputs" ]; then
    # The pre-compressed copy scripts/serve.mjs sends to browsers that accept gzip.
    [ "$out/ganvas_bg.wasm.gz" -nt "$out/ganvas_bg.wasm" ] || gzip -9 -n -k -f "$out/ganvas_bg.wasm"
    echo "$out/ is up to date with the compiled module (wasm-bindgen and wasm-opt skipped)"
    return 0
  fi
  mkdir -p "$out"
  rm -rf "$out"/ganvas* "$out"/snippets "$out"/.inputs
  wasm-bindgen --target web --no-typescript --out-dir "$out" "$wasm"
  local before after gz
  before=$(stat -c %s "$out/ganvas_bg.wasm")
  if [ "${GANVAS_WASM_OPT:-1}" != 0 ]; then
    "$wasm_opt" "${flags[@]}" "$out/ganvas_bg.wasm" -o "$out/ganvas_bg.opt.wasm" && mv "$out/ganvas_bg.opt.wasm" "$out/ganvas_bg.wasm"
  fi
  after=$(stat -c %s "$out/ganvas_bg.wasm")
  gzip -9 -n -k -f "$out/ganvas_bg.wasm" # served pre-compressed by scripts/serve.mjs
  gz=$(stat -c %s "$out/ganvas_bg.wasm.gz")
  echo "$out/ganvas_bg.wasm: $((before / 1024)) KiB from wasm-bindgen, $((after / 1024)) KiB after wasm-opt, $((gz / 1024)) KiB gzipped"
  echo "$inputs" > "$out/.inputs"
}

cargo build --profile web -p ganvas --lib --target wasm32-unknown-unknown --no-default-features --features flex,webgpu
package pkg "$CARGO_TARGET_DIR/wasm32-unknown-unknown/web/ganvas.wasm"

if [ "${GANVAS_FUSION:-1}" = 0 ]; then
  rm -rf pkg/fusion # an older fusion module must not run beside a newer page
  echo "pkg/fusion/ not built (GANVAS_FUSION=0): the page runs WebGPU in the main module, without fusion"
else
  # The same target directory and profile: only the feature set differs (cargo keeps both).
  cargo build --profile web -p ganvas --lib --target wasm32-unknown-unknown --no-default-features --features webgpu,fusion
  package pkg/fusion "$CARGO_TARGET_DIR/wasm32-unknown-unknown/web/ganvas.wasm"
fi

if [ "${GANVAS_THREADS:-1}" = 0 ]; then
  rm -rf pkg/threads # an older threaded module must not run beside a newer page
  echo "pkg/threads/ not built (GANVAS_THREADS=0): the page uses the single-threaded module on the CPU"
  exit 0
fi
# The threaded module. Its own target directory: another toolchain and other RUSTFLAGS would
# otherwise rebuild the main module's artefacts each time.
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
rustup +nightly component list --installed | grep -q '^rust-src' || rustup +nightly component add rust-src
rustup +nightly target list --installed | grep -q wasm32-unknown-unknown || rustup +nightly target add wasm32-unknown-unknown
# Built and tested with rustc 1.97.0-nightly (e50aa6fba 2026-05-19), the nightly this machine
# kind carries; another nightly is used as it is, and named here.
echo "threaded module: $(rustc +nightly --version)"
threads_target="${CARGO_TARGET_DIR}-threads"
# RUSTFLAGS replaces .cargo/config.toml's wasm32 flags, so simd128 is repeated. The linker is
# not told to share memory by the target feature alone: the final crate gets wasm-bindgen's
# thread link arguments (shared, imported memory, its maximum: 4 GiB as the single-threaded
# module's, and the thread-local storage symbols its glue initialises in every thread) through
# `cargo rustc`, so the dependencies' flags, and their builds, stay as they are.
link_args=()
for arg in --shared-memory --import-memory --max-memory=4294967296 --export=__wasm_init_tls \
  --export=__tls_size --export=__tls_align --export=__tls_base; do link_args+=(-C "link-arg=$arg"); done
RUSTFLAGS='-C target-feature=+atomics,+bulk-memory,+mutable-globals,+simd128' \
  CARGO_TARGET_DIR="$threads_target" \
  cargo +nightly rustc -Z build-std=panic_abort,std --profile web -p ganvas --lib \
  --target wasm32-unknown-unknown --no-default-features --features flex,threads -- "${link_args[@]}"
package pkg/threads "$threads_target/wasm32-unknown-unknown/web/ganvas.wasm" --enable-threads
