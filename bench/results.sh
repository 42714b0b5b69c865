#!/usr/bin/env bash
# Reruns one sweep of the results page and refreshes what the page is generated from.
#
#   bench/results.sh configs/results/NAME.yaml [--set k=v ...]   run (or resume) the sweep into
#                                                                 runs/results/NAME, then export it
#   bench/results.sh --export SWEEP_DIR [NAME]                    export an existing sweep directory
#
# Export copies what `slaterl report` reads — the sweep's plan and reports, and per run config.yaml,
# metrics.jsonl and summary.json (no checkpoints, logs or event files) — into data/results/NAME,
# rebuilds its report and plots there, and regenerates docs/results.md from every data/results/*.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SLATERL:-build/slaterl}

export_sweep() {
  local src=$1 name=$2 dst=data/results/$2
  [ -f "$src/sweep_plan.yaml" ] || { echo "results.sh: $src is not a sweep directory" >&2; exit 2; }
  local tmp; tmp=$(mktemp -d "data/results/.$name.XXXXXX")
  for f in sweep.yaml sweep_plan.yaml base.yaml; do
    [ -f "$src/$f" ] && cp "$src/$f" "$tmp/"
  done
  for run in "$src"/runs/*/; do
    local id; id=$(basename "$run")
    mkdir -p "$tmp/runs/$id"
    for f in config.yaml metrics.jsonl summary.json; do
      [ -f "$run/$f" ] && cp "$run/$f" "$tmp/runs/$id/"
    done
  done
  "$bin" report "$tmp" > /dev/null
  rm -rf "$dst" && mv "$tmp" "$dst"
  echo "results.sh: exported $src -> $dst"
}

mkdir -p data/results
if [ "${1:-}" = "--export" ]; then
  src=${2:?usage: bench/results.sh --export SWEEP_DIR [NAME]}
  export_sweep "$src" "${3:-$(basename "$src")}"
else
  sweep=${1:?usage: bench/results.sh configs/results/NAME.yaml [--set k=v ...]}
  shift
  name=$(basename "$sweep" .yaml)
  status=0
  "$bin" sweep "$sweep" --run-dir "runs/results/$name" "$@" || status=$?
  [ "$status" = 130 ] && exit 130
  export_sweep "runs/results/$name" "$name"
fi
if ! "$bin" report --markdown $(ls -d data/results/*/ | sed 's#/$##' | LC_ALL=C sort) > docs/results.md.tmp; then
  rm -f docs/results.md.tmp
  exit 1
fi
mv docs/results.md.tmp docs/results.md
echo "results.sh: regenerated docs/results.md"
