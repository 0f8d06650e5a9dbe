#!/usr/bin/env bash
# Benchmark (not a test): the packet rate at which the kernel's own iptables forwards a workload, so
# that "N x the kernel's legacy iptables rate" (issue #5) is measured on this machine with the same
# ruleset and packets `nfeval replay` is timed on, not quoted.
#
# A router namespace built from the workload's snapshot (interfaces with the snapshot's MAC addresses
# and addresses, its gateway routes, its sysctls, the ruleset loaded with iptables-legacy-restore and/or
# iptables-nft-restore) and a sender namespace holding the veth peers of its eth0 and eth1. tcpreplay
# (one process per core, --topspeed, capture preloaded) sends the first N packets of the capture, each
# frame on the interface its destination MAC names, so the kernel runs raw/filter PREROUTING, routing
# and the FORWARD/INPUT chains on every packet as on a router. Forwarded packets are dropped after
# POSTROUTING by an nftables netdev egress chain and reach no other namespace; their next hops have
# permanent neighbour entries, so no ARP is involved.
#
# Each configuration runs alternating with a baseline (the same tables, no rules, ACCEPT policies):
#   rate          packets the router received per second of wall time, all senders together
#   netfilter ns  (1/rate - 1/baseline rate) x senders: the CPU time per packet the ruleset adds
#   rate ceiling  senders / netfilter ns: the rate if the senders, the veth and the rest of the
#                 stack cost nothing (the ruleset alone on every core)
# The veth path (a sendto per packet, the veth, routing) costs far more than a NIC's receive path, so
# "rate" understates what the kernel forwards with the ruleset on real hardware, and "rate ceiling"
# overstates it; the truth for a given NIC lies between.
#
# Meant for --stateless workloads (the issue's kernel comparison): tcpreplay loops the capture, so with a
# stateful ruleset conntrack would see every connection again, mid-stream and out of window.
#
# usage: bench/kernel-rate.sh WORKLOAD_DIR [--packets N] [--seconds S] [--runs N] [--senders N]
#                                          [--backend legacy|nft|both]
#   WORKLOAD_DIR  from io.nfeval.bench.Workload (snapshot/ and traffic.pcap), e.g.
#                 bench/work/p10000000-f50000-r10000-stateless-s1
#   defaults: 400000 packets, about 4 s per measurement, 3 runs, senders = CPUs, backend legacy
# Root only; needs iproute2, iptables (legacy and nft), nftables, tcpreplay/tcpprep, tcpdump, python3.
set -euo pipefail

wl=""
packets=400000
seconds=4
runs=3
senders=$(nproc)
backend=legacy
while [ $# -gt 0 ]; do
  case "$1" in
    --packets) packets="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --senders) senders="$2"; shift 2 ;;
    --backend) backend="$2"; shift 2 ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    -*) echo "kernel-rate.sh: unknown option $1" >&2; exit 2 ;;
    *) wl="$1"; shift ;;
  esac
done
[ -n "$wl" ] || { echo "usage: bench/kernel-rate.sh WORKLOAD_DIR [options] (--help)" >&2; exit 2; }
snap="$wl/snapshot"
pcap="$wl/traffic.pcap"
[ -f "$pcap" ] && [ -f "$snap/iptables.rules" ] && [ -f "$snap/ip-addr.json" ] \
  || { echo "kernel-rate.sh: $wl has no traffic.pcap or snapshot/" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "kernel-rate.sh: needs root (namespaces)" >&2; exit 2; }
case "$backend" in
  legacy) backends=(legacy) ;;
  nft) backends=(nft) ;;
  both) backends=(legacy nft) ;;
  *) echo "kernel-rate.sh: --backend legacy|nft|both" >&2; exit 2 ;;
esac
for t in tcpreplay tcpprep tcpdump nft iptables-legacy-restore iptables-nft-restore; do
  command -v "$t" >/dev/null || { echo "kernel-rate.sh: needs $t" >&2; exit 2; }
done
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

TAG=$$
RT=nfkr$TAG
SND=nfks$TAG
WORK=$(mktemp -d /tmp/nfeval-kr.XXXXXX)
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null || true
  ip netns del "$RT" 2>/dev/null || true
  ip netns del "$SND" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- the router, from the snapshot --------------------------------------------------------------
# One line per interface of the snapshot other than lo: name, MAC, then its address/prefix list.
"$PY" - "$snap/ip-addr.json" >"$WORK/ifaces" <<'EOF'
import json, sys
for i in json.load(open(sys.argv[1])):
    if i.get("link_type") == "loopback":
        continue
    addrs = [f'{a["local"]}/{a["prefixlen"]}' for a in i.get("addr_info", []) if a.get("family") == "inet"]
    print(i["ifname"], i.get("address", ""), " ".join(addrs))
EOF
ip netns add "$RT"
ip netns add "$SND"
ip -n "$RT" link set lo up
ip -n "$SND" link set lo up
k=0
while read -r name mac addrs; do
  ip link add "$name" netns "$RT" type veth peer name "s$k" netns "$SND"
  [ -n "$mac" ] && ip -n "$RT" link set "$name" address "$mac"
  for a in $addrs; do ip -n "$RT" addr add "$a" dev "$name"; done
  ip -n "$RT" link set "$name" up
  ip -n "$SND" link set "s$k" up
  echo "$name s$k $mac" >>"$WORK/pairs"
  k=$((k + 1))
done <"$WORK/ifaces"
# Gateway routes of the main table (the connected ones came with the addresses).
"$PY" - "$snap/ip-route.json" >"$WORK/routes" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1])):
    if r.get("table", "main") != "main" or "gateway" not in r:
        continue
    print(f'route add {r["dst"]} via {r["gateway"]} dev {r["dev"]}')
EOF
ip -n "$RT" -batch "$WORK/routes"
# The snapshot's sysctls (forwarding, rp_filter ...); conntrack's only exist once conntrack is loaded.
grep -E '^net\.ipv4\.' "$snap/sysctl.txt" 2>/dev/null | tr -d ' ' | while IFS='=' read -r key val; do
  ip netns exec "$RT" sysctl -qw "$key=$val" 2>/dev/null || true
done
ip netns exec "$RT" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$RT" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$SND" sysctl -qw net.ipv6.conf.all.disable_ipv6=1

# --- the packets -------------------------------------------------------------------------------
tcpdump -r "$pcap" -c "$packets" -w "$WORK/prefix.pcap" 2>/dev/null
n=$(tcpdump -r "$WORK/prefix.pcap" -nn 2>/dev/null | wc -l)
# Which router interface each frame arrives on: its destination MAC. tcpreplay's dual-interface mode
# splits by a tcpprep cache; tcpprep splits by source MAC, so collect the source MACs of the frames
# addressed to the first interface (an upstream router's MAC, or several) and check none also sends
# to another interface.
first_if=$(head -1 "$WORK/pairs" | cut -d' ' -f1)
first_mac=$(head -1 "$WORK/pairs" | cut -d' ' -f3)
[ "$(wc -l <"$WORK/pairs")" = 2 ] || { echo "kernel-rate.sh: needs a snapshot with exactly two interfaces" >&2; exit 2; }
tcpdump -e -nn -r "$WORK/prefix.pcap" 2>/dev/null | awk '{sub(",", "", $4); print $2, $4}' | sort -u >"$WORK/macs"
awk -v m="$first_mac" '$2 == m {print $1}' "$WORK/macs" | sort -u >"$WORK/src-first"
awk -v m="$first_mac" '$2 != m {print $1}' "$WORK/macs" | sort -u >"$WORK/src-other"
if [ -n "$(comm -12 "$WORK/src-first" "$WORK/src-other")" ]; then
  echo "kernel-rate.sh: a source MAC sends to both interfaces; tcpprep cannot split this capture" >&2
  exit 2
fi
tcpprep --mac="$(paste -sd, "$WORK/src-first")" -i "$WORK/prefix.pcap" -o "$WORK/prefix.cache"
# tcpprep's MAC mode sends the listed sources out the secondary interface (-I).
other_peer=$(sed -n 2p "$WORK/pairs" | cut -d' ' -f2)
first_peer=$(head -1 "$WORK/pairs" | cut -d' ' -f2)

# Next hops: every destination on a connected subnet and every gateway gets a permanent neighbour
# with a MAC no one has, so forwarding never waits for ARP.
tcpdump -nn -r "$WORK/prefix.pcap" ip 2>/dev/null | awk '{print $5}' | sed 's/:$//' \
  | awk -F. '{print $1"."$2"."$3"."$4}' | sort -u >"$WORK/dsts"
"$PY" - "$WORK/ifaces" "$WORK/routes" "$WORK/dsts" >"$WORK/neigh" <<'EOF'
import ipaddress, sys
nets = []
for line in open(sys.argv[1]):
    f = line.split()
    for a in f[2:]:
        nets.append((ipaddress.ip_interface(a).network, f[0]))
hops = set()
for line in open(sys.argv[2]):
    f = line.split()
    hops.add((f[4], f[6]))
for d in open(sys.argv[3]):
    try:
        ip = ipaddress.ip_address(d.strip())
    except ValueError:
        continue
    for net, dev in nets:
        if ip in net and ip != net.broadcast_address and ip != net.network_address:
            hops.add((str(ip), dev))
            break
for ip, dev in sorted(hops):
    print(f"neigh replace {ip} lladdr 02:00:00:00:ff:fe dev {dev} nud permanent")
EOF
ip -n "$RT" -batch "$WORK/neigh"
# Forwarded packets end after POSTROUTING, at the egress of the router's interfaces.
{
  echo "table netdev nfeval_sink {"
  i=0
  while read -r name _ _; do
    echo "  chain eg$i { type filter hook egress device \"$name\" priority 0; policy drop; }"
    i=$((i + 1))
  done <"$WORK/pairs"
  echo "}"
} >"$WORK/sink.nft"
ip netns exec "$RT" nft -f "$WORK/sink.nft"

# --- rulesets ------------------------------------------------------------------------------------
# The baseline: every table of the ruleset, no rules, ACCEPT policies (the hooks stay registered).
awk '/^\*/ {t=$0; print t; next} /^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) / {print $1" ACCEPT [0:0]"; next}
     /^COMMIT/ {print}' "$snap/iptables.rules" >"$WORK/empty.rules"
rules=$(grep -c '^-A' "$snap/iptables.rules")

load() { # backend file: only that backend holds rules; the other's tables are removed or emptied
  if [ "$1" = legacy ]; then
    ip netns exec "$RT" nft list tables 2>/dev/null | awk '$2 == "ip" {print $3}' \
      | while read -r t; do ip netns exec "$RT" nft delete table ip "$t"; done
    ip netns exec "$RT" iptables-legacy-restore <"$2"
  else
    # Legacy tables cannot be removed from a namespace; restoring them without rules empties them.
    ip netns exec "$RT" iptables-legacy-restore <"$WORK/empty.rules" 2>/dev/null || true
    ip netns exec "$RT" iptables-nft-restore <"$2"
  fi
}

rx_total() {
  local s=0
  while read -r name _ _; do
    s=$((s + $(ip netns exec "$RT" cat "/sys/class/net/$name/statistics/rx_packets")))
  done <"$WORK/pairs"
  echo "$s"
}

# Calibrate the loop count so that one measurement lasts about --seconds with the ruleset loaded.
measure() { # loops -> "seconds received"
  local before after t0 t1
  before=$(rx_total)
  t0=$(date +%s%N)
  for _ in $(seq "$senders"); do
    ip netns exec "$SND" tcpreplay -q -K --topspeed --loop="$1" -c "$WORK/prefix.cache" \
      -i "$first_peer" -I "$other_peer" "$WORK/prefix.pcap" >"$WORK/tr.out" 2>&1 &
  done
  wait
  t1=$(date +%s%N)
  after=$(rx_total)
  # Preloading the capture is inside the wall time; it is measured separately and taken off.
  echo "$(( t1 - t0 )) $(( after - before ))"
}
preload_ns() {
  local t0 t1
  t0=$(date +%s%N)
  ip netns exec "$SND" tcpreplay -q -K --topspeed --limit=1 -c "$WORK/prefix.cache" \
    -i "$first_peer" -I "$other_peer" "$WORK/prefix.pcap" >/dev/null 2>&1
  t1=$(date +%s%N)
  echo $(( t1 - t0 ))
}

echo "# kernel forwarding rate: $(basename "$wl"), first $n packets, $rules rules; $senders tcpreplay senders"
echo "# machine: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(uname -r)"
echo "# $(iptables-legacy --version); $(tcpreplay --version 2>&1 | head -1)"
printf "%-8s %-9s %4s %10s %10s %12s %10s %14s\n" backend ruleset run seconds packets "rate pps" \
  "netf ns" "ceiling pps"
for b in "${backends[@]}"; do
  load "$b" "$snap/iptables.rules"
  # One pass with the rules: warms caches and gives the loop count for --seconds.
  read -r ns got < <(measure 1)
  pre=$(preload_ns)
  per_loop=$(( ns - pre > 1000000 ? ns - pre : 1000000 ))
  loops=$(( seconds * 1000000000 / per_loop ))
  [ "$loops" -ge 1 ] || loops=1
  for r in $(seq "$runs"); do
    for which in baseline rules; do
      if [ "$which" = baseline ]; then load "$b" "$WORK/empty.rules"; else load "$b" "$snap/iptables.rules"; fi
      pre=$(preload_ns)
      read -r ns got < <(measure "$loops")
      ns=$(( ns - pre ))
      expect=$(( n * loops * senders ))
      rate=$(( got * 1000000000 / ns ))
      echo "$b $which $r $ns $got $rate $expect" >>"$WORK/results"
      if [ "$which" = baseline ]; then
        base_rate=$rate
        printf "%-8s %-9s %4s %10.3f %10s %12s %10s %14s\n" "$b" "$which" "$r" \
          "$(awk -v x="$ns" 'BEGIN {print x / 1e9}')" "$got" "$rate" "" ""
      else
        netf=$(awk -v s="$senders" -v r="$rate" -v b="$base_rate" 'BEGIN {print s * 1e9 * (1 / r - 1 / b)}')
        ceil=$(awk -v s="$senders" -v x="$netf" 'BEGIN {print (x > 0 ? s * 1e9 / x : 0)}')
        printf "%-8s %-9s %4s %10.3f %10s %12s %10.0f %14.0f\n" "$b" "$which" "$r" \
          "$(awk -v x="$ns" 'BEGIN {print x / 1e9}')" "$got" "$rate" "$netf" "$ceil"
      fi
      [ "$got" -eq "$expect" ] || echo "  (the router received $got of the $expect packets sent)"
    done
  done
done
