# Shared by the scripts: one target directory outside the clone (so every clone and CI reuse
# the compiled Burn) and one cargo profile (release) for the CLI, the tests and benchmarks.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ganvas-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
stage_start=0
stage() {
  local now; now=$(date +%s)
  if [ "$stage_start" != 0 ]; then echo "== stage '$stage_name' took $((now - stage_start)) s"; fi
  stage_name="$1"; stage_start=$now
  [ -n "$1" ] && echo "== $1"
  return 0
}
