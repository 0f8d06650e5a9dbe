#!/bin/bash
# Side-by-side steady-state comparison of nfeval builds (issue #5): runs io.nfeval.bench.SteadyReplay
# (4 rounds, 2 threads) on one workload with each jar in turn, N times, alternating, and prints each
# jar's minimum and median wall ns/packet over the measured rounds (2 and 3 of every run).
# This VM's speed drifts by several percent over minutes: only builds measured alternating in one window
# compare.
#
# usage: bench/steady-ab.sh WORKLOAD_DIR N JAR [JAR...]
#   WORKLOAD_DIR  a directory made by io.nfeval.bench.Workload (snapshot/ and traffic.pcap)
#   e.g. bench/steady-ab.sh bench/work/p1000000-f50000-r10000-stateless-s1 4 ../old/target/nfeval.jar target/nfeval.jar
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
wl=$1
n=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in $(seq "$n"); do
  k=0
  for jar in "$@"; do
    java -cp "$jar" io.nfeval.bench.SteadyReplay "$wl/snapshot" "$wl/traffic.pcap" 4 2 2>&1 \
      | grep '^round [23]:' | awk '{print $5, $8}' >> "$tmp/$k"
    k=$((k + 1))
  done
done
k=0
for jar in "$@"; do
  sort -n "$tmp/$k" | awk -v j="$jar" '{w[NR]=$1; c[NR]=$2} END {
    printf "%s: wall ns/packet min %d median %d; evaluator CPU %d in that round (%d rounds)\n", j, w[1], w[int((NR+1)/2)], c[1], NR }'
  k=$((k + 1))
done
