#!/bin/bash
# Soak test: 16 actors against a deliberately slow learner (SlateQ on StrongLTS with
# large batches, one update per 64 inserted env steps at most) for SECONDS, sampling the resident
# memory (RSS) of every process of the run every 5 s. Prints the peak RSS per role and whether
# each stayed under its bound; exits non-zero if one did not. Results: docs/reliability.md.
#   bench/soak.sh [SECONDS=600] [RUN_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
run_dir=${2:-$(mktemp -d /tmp/slaterl-soak-XXXXXX)/run}
mkdir -p "$(dirname "$run_dir")"
bin=${SLATERL:-build/slaterl}
# Bounds (MiB): LibTorch maps ~160 MiB into every process; the shard holds its 200,000-item table.
declare -A bound=([actor]=400 [evaluator]=400 [learner]=900 [shard]=1200 [launcher]=300)
cfg=$(mktemp /tmp/slaterl-soak-XXXXXX.yaml)
cat > "$cfg" <<YAML
name: soak
env: lts
env_config: {num_candidates: 20, slate_size: 2}
algo: slateq
config: {learning_starts: 1000, batch_size: 1024, train_every: 64, replay: prioritized, replay_capacity: 200000,
         replay_ratio_tolerance: 20000}
stop: {time_total_s: $seconds}
evaluation: {interval_s: 60, episodes: 20, final_episodes: 20}
cluster: {backend: local, num_actors: 16, num_envs_per_actor: 4, replay_shards: 1, fragment_length: 25,
          broadcast_interval: 50}
reporting: {progress: off, interval_s: 5}
seed: 1
YAML
"$bin" launch "$cfg" --run-dir "$run_dir" > "$run_dir.log" 2>&1 &
launcher=$!
declare -A peak=()
while kill -0 $launcher 2>/dev/null; do
  for pid in $launcher $(pgrep -f -- "_role .* --run-dir $run_dir " || true); do
    rss=$(awk '/VmRSS/ {print int($2/1024)}' /proc/$pid/status 2>/dev/null || echo 0)
    role=launcher
    [ "$pid" != "$launcher" ] && role=$(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null | awk '{print $3}')
    [ -z "$role" ] && continue
    [ "${peak[$role]:-0}" -lt "$rss" ] && peak[$role]=$rss
  done
  sleep 5
done
wait $launcher || { echo "the run failed: $run_dir.log"; exit 1; }
status=0
for role in launcher shard learner evaluator actor; do
  ok=yes; [ "${peak[$role]:-0}" -le "${bound[$role]}" ] || { ok=NO; status=1; }
  [ "${peak[$role]:-0}" -gt 0 ] || { ok="NO (never sampled)"; status=1; }
  printf "%-10s peak RSS %5d MiB (bound %d MiB) %s\n" "$role" "${peak[$role]:-0}" "${bound[$role]}" "$ok"
done
grep -o '"replay/refused_inserts": [0-9]*\|"replay/dropped_messages": [0-9]*\|"learner/num_updates": [0-9]*\|"timesteps_total": [0-9]*' "$run_dir/summary.json" | sort -u
grep -q '"status": "ok"' "$run_dir/summary.json" || { echo "the run did not end ok: $run_dir/summary.json"; status=1; }
updates=$(grep -o '"learner/num_updates": [0-9]*' "$run_dir/summary.json" | head -1 | grep -o '[0-9]*$' || echo 0)
[ "${updates:-0}" -gt 0 ] || { echo "the learner made no update"; status=1; }
exit $status
