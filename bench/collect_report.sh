#!/usr/bin/env bash
# Builds a report (report.md, points.csv with mean ± 95% CI and Welch tests against a baseline
# point, results.csv, learning-curve plots) over run directories made one by one with
# `slaterl launch`, as `slaterl sweep` would over its own runs.
# Usage: bench/collect_report.sh OUT_DIR NAME BASELINE_POINT POINT=RUN_DIR [POINT=RUN_DIR ...]
# Every POINT=RUN_DIR pair adds one seed of POINT (the seed is read from the run's summary.json).
# OUT_DIR/runs/ gets symbolic links to the run directories; nothing in them is changed.
set -euo pipefail
out=$1; name=$2; baseline=$3; shift 3
bin=${SLATERL:-build/slaterl}
mkdir -p "$out/runs"
points=(); runs=()
for pair in "$@"; do
  point=${pair%%=*}; dir=$(readlink -f "${pair#*=}")
  seed=$(grep -o '"seed": [0-9]*' "$dir/summary.json" | head -1 | awk '{print $2}')
  id="$point-seed$seed"
  ln -sfn "$dir" "$out/runs/$id"
  [[ " ${points[*]-} " == *" $point "* ]] || points+=("$point")
  runs+=("{id: \"$id\", point: \"$point\", seed: $seed}")
done
{
  echo "name: \"$name\""
  echo "metric: \"eval/episode_reward_mean\""
  echo "mode: max"
  echo "alpha: 0.05"
  echo "baseline: \"$baseline\""
  echo "points: [$(printf '"%s", ' "${points[@]}" | sed 's/, $//')]"
  echo "runs:"
  for r in "${runs[@]}"; do echo "  - $r"; done
} > "$out/sweep_plan.yaml"
"$bin" report "$out"
