#!/bin/bash
# Network namespaces standing in for hosts (the `backend: hosts` tests and bench/netns_pipeline.sh):
#   tests/launch/netns.sh up PREFIX SUBNET N    bridge PREFIX-br at SUBNET.1/24; namespaces PREFIX-n1..N
#                                               at SUBNET.11.., each joined to the bridge by a veth pair
#   tests/launch/netns.sh down PREFIX N         kill what runs inside, remove namespaces and bridge
# Needs root. PREFIX at most 8 characters (interface names are limited to 15).
set -euo pipefail
action=$1; prefix=$2
case "$action" in
up)
  subnet=$3; n=$4
  "$0" down "$prefix" "$n"
  ip link add "$prefix-br" type bridge
  ip addr add "$subnet.1/24" dev "$prefix-br"
  ip link set "$prefix-br" up
  for i in $(seq 1 "$n"); do
    ip netns add "$prefix-n$i"
    ip link add "$prefix-h$i" type veth peer name "$prefix-p$i"
    ip link set "$prefix-p$i" netns "$prefix-n$i"
    ip link set "$prefix-h$i" master "$prefix-br"
    ip link set "$prefix-h$i" up
    ip netns exec "$prefix-n$i" ip addr add "$subnet.$((10 + i))/24" dev "$prefix-p$i"
    ip netns exec "$prefix-n$i" ip link set "$prefix-p$i" up
    ip netns exec "$prefix-n$i" ip link set lo up
  done
  ;;
down)
  n=$3
  for i in $(seq 1 "$n"); do
    ip netns pids "$prefix-n$i" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$prefix-n$i" 2>/dev/null || true
  done
  ip link del "$prefix-br" 2>/dev/null || true
  ;;
*) echo "usage: $0 up PREFIX SUBNET N | down PREFIX N"; exit 2 ;;
esac
