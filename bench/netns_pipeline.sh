#!/bin/bash
# `slaterl bench pipeline` over three network namespaces (tcp:// + CURVE,
# configs/bench/pipeline_linucb_lts_netns.yaml) against the same run over ipc:// on one host, in
# one invocation (docs/multi-node.md, docs/performance.md). Needs root.
#   bench/netns_pipeline.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
bin=${SLATERL:-build/slaterl}
trap 'bash tests/launch/netns.sh down slrlb 3' EXIT
bash tests/launch/netns.sh up slrlb 10.233.0 3
"$bin" bench pipeline configs/bench/pipeline_linucb_lts.yaml --seconds "$seconds" --json \
  --against configs/bench/pipeline_linucb_lts_netns.yaml 2>/dev/null | tail -1
