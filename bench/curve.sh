#!/usr/bin/env bash
# Prints a learning curve of a run directory as a markdown table: timesteps_total,
# episode_reward_mean (training, smoothed as configured) and the latest eval/episode_reward_mean,
# at most N rows (default 12). Usage: bench/curve.sh RUN_DIR [N]
set -euo pipefail
run=$1; rows=${2:-12}
total=$(wc -l < "$run/metrics.jsonl")
step=$(( (total + rows - 1) / rows )); [ "$step" -lt 1 ] && step=1
echo "| timesteps | train episode_reward_mean | eval/episode_reward_mean |"
echo "|---:|---:|---:|"
awk -v step="$step" -v total="$total" '
  function num(key,   m) { if (match($0, "\"" key "\": [-0-9.e+]+")) { m = substr($0, RSTART, RLENGTH); sub(/.*: /, "", m); return m } return "" }
  (NR % step == 0 || NR == total) {
    t = num("timesteps_total"); r = num("episode_reward_mean"); e = num("eval\\/episode_reward_mean");
    printf "| %d | %s | %s |\n", t, (r == "" ? "—" : sprintf("%.1f", r)), (e == "" ? "—" : sprintf("%.1f", e)) }' "$run/metrics.jsonl"
