#!/usr/bin/env bash
# The main job: builds the browser package (pkg/) and serves the web app with the shipped
# pretrained models on 127.0.0.1, printing the URL. PORT=8080 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
bash scripts/build-web.sh
# The native CLI fetches the built-in data sets the Train tab offers (Fashion-MNIST, MNIST test
# splits, served from data/). Without them the page still works; those options then say how.
cargo build --release -p ganvas
for set in fashion-mnist mnist; do
  "$CARGO_TARGET_DIR/release/ganvas" data fetch "$set" || echo "note: could not fetch $set; the Train tab will offer it once \`ganvas data fetch $set\` succeeds" >&2
done
exec node scripts/serve.mjs --port "${PORT:-8080}"
