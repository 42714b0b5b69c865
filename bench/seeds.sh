#!/usr/bin/env bash
# Runs one config over several seeds and prints the final numbers of each run plus their mean and
# 95% Student-t interval. Usage: bench/seeds.sh CONFIG.yaml OUT_DIR SEED... [-- --set k=v ...]
# Each run goes to OUT_DIR/seed-S; runs that already have a summary.json are not rerun.
set -euo pipefail
config=$1; out=$2; shift 2
seeds=(); while [ $# -gt 0 ] && [ "$1" != "--" ]; do seeds+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
bin=${SLATERL:-build/slaterl}
mkdir -p "$out"
for s in "${seeds[@]}"; do
  dir="$out/seed-$s"
  if [ ! -f "$dir/summary.json" ]; then
    rm -rf "$dir"
    "$bin" launch "$config" --run-dir "$dir" --set seed="$s" --set reporting.progress=off "$@" > "$out/seed-$s.log" 2>&1
  fi
done
# Per run: training episode_reward_mean (last row), final evaluation, env steps, wall time.
printf "%-8s %12s %12s %10s %8s\n" seed train_mean final_eval steps wall_s
for s in "${seeds[@]}"; do
  f="$out/seed-$s/summary.json"
  train=$(grep -o '"episode_reward_mean": [-0-9.e+]*' "$f" | head -1 | awk '{print $2}')
  final=$(grep -o '"final_eval": {[^}]*}' "$f" | grep -o '"eval/episode_reward_mean": [-0-9.e+]*' | awk '{print $2}')
  steps=$(grep -o '"timesteps_total": [0-9]*' "$f" | head -1 | awk '{print $2}')
  wall=$(grep -o '"wall_time_s": [0-9.e+]*' "$f" | awk '{print $2}')
  printf "%-8s %12.2f %12.2f %10d %8.1f\n" "$s" "$train" "$final" "$steps" "$wall"
done | tee "$out/table.txt"
# mean ± t(0.975, n−1)·sd/√n for both columns
awk 'BEGIN { split("12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262", t, " ") }
     NR > 0 { n++; a += $2; aa += $2*$2; b += $3; bb += $3*$3 }
     END { if (n < 2) exit; q = t[n-1];
           ma = a/n; sa = sqrt((aa - n*ma*ma)/(n-1)); mb = b/n; sb = sqrt((bb - n*mb*mb)/(n-1));
           printf "mean over %d seeds: train %.2f ± %.2f, final eval %.2f ± %.2f (95%% CI)\n", n, ma, q*sa/sqrt(n), mb, q*sb/sqrt(n) }' "$out/table.txt"
