#!/bin/bash
# Kernel-differential harness: runs one scenario in fresh network namespaces and records
# the firewall namespace's snapshot, an NFLOG capture of every packet entering PREROUTING
# and every locally generated packet entering OUTPUT, and the kernel's counters.
#
# usage: run-scenario.sh SCENARIO_DIR OUTDIR
# needs: root, iproute2, iptables (nft or legacy), nft, tcpdump, ipset, /usr/bin/python3 with scapy.
set -euo pipefail

if [ $# -ne 2 ]; then echo "usage: $0 SCENARIO_DIR OUTDIR" >&2; exit 2; fi
SCEN=$(cd "$1" && pwd)
OUT=$2
NAME=$(basename "$SCEN")
NFK_HOME=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "run-scenario.sh: needs root" >&2; exit 2; }
for f in topology rules traffic description; do
  [ -f "$SCEN/$f" ] || { echo "$SCEN/$f missing" >&2; exit 2; }
done

NFK_PREFIX="nfk$$-"
NFK_WORK=$(mktemp -d /tmp/nfk-$NAME.XXXXXX)
NFK_TCPDUMP=
source "$NFK_HOME/lib.sh"
# Back end: iptables-nft unless the scenario has a file "backend" saying "legacy".
NFK_IPT=iptables
if [ -f "$SCEN/backend" ] && [ "$(tr -d '[:space:]' <"$SCEN/backend")" = legacy ]; then NFK_IPT=iptables-legacy; fi
export NFK_IPT

cleanup() {
  local rc=$?
  set +e
  [ -n "$NFK_TCPDUMP" ] && kill -TERM "$NFK_TCPDUMP" 2>/dev/null && wait "$NFK_TCPDUMP" 2>/dev/null
  local p
  for p in "${NFK_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${NFK_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  local r
  for r in "${NFK_NS[@]}"; do ip netns del "$(nsname "$r")" 2>/dev/null; done
  # A run stopped from outside (INT/TERM: a caller's time budget; 130 from the trap below, 143 when
  # errexit sees the killed child first) is no result to look into: its files go too. Any other
  # failure keeps them.
  if [ $rc -ne 0 ] && [ $rc -ne 130 ] && [ $rc -ne 143 ]; then echo "run-scenario.sh: $NAME failed (rc=$rc); work files kept in $NFK_WORK" >&2
  else rm -rf "$NFK_WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- topology -------------------------------------------------------------------------
source "$SCEN/topology"
[ -n "$(ip netns list | grep -x "$(nsname fw).*" || true)" ] || { echo "topology must create role fw" >&2; exit 2; }

# --- ruleset --------------------------------------------------------------------------
# Every ruleset must declare raw PREROUTING and OUTPUT (the capture check relies on them);
# add an empty raw table if the scenario has none.
RULES="$NFK_WORK/rules"
if grep -q '^\*raw' "$SCEN/rules"; then cp "$SCEN/rules" "$RULES"
else { printf '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n'; cat "$SCEN/rules"; } >"$RULES"; fi
if [ -f "$SCEN/ipset" ]; then inns fw ipset restore <"$SCEN/ipset"; fi
inns fw "$NFK_IPT-restore" <"$RULES"
# iptables-nft creates built-in chains lazily: setting each declared built-in chain's
# policy again makes sure it exists (and so counts) even if no rule references it.
awk '/^\*/{t=substr($0,2)} /^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) /{print t, substr($1,2), $2}' "$RULES" |
while read -r tbl ch pol; do inns fw "$NFK_IPT" -w -t "$tbl" -P "$ch" "$pol"; done

# --- capture tap ------------------------------------------------------------------------
inns fw nft -f - <<'NFT'
table inet nfeval_tap {
  chain prerouting { type filter hook prerouting priority -500; policy accept; log group 7 queue-threshold 1; }
  chain output { type filter hook output priority -500; policy accept; log group 7 queue-threshold 1; }
}
NFT

# Interfaces send a few packets right after they come up; bridges send IGMP a bit later.
sleep "${NFK_SETTLE_START:-2}"

ip netns exec "$(nsname fw)" tcpdump -i nflog:7 -U -w "$NFK_WORK/capture.pcap" 2>"$NFK_WORK/tcpdump.err" &
NFK_TCPDUMP=$!
for i in $(seq 50); do grep -q "listening on" "$NFK_WORK/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
grep -q "listening on" "$NFK_WORK/tcpdump.err" || { echo "tcpdump did not start" >&2; cat "$NFK_WORK/tcpdump.err" >&2; exit 1; }
sleep 0.2

# Snapshot before the traffic: the ruleset as iptables-save prints it, with zero counters.
for tbl in $(awk '/^\*/{print substr($0,2)}' "$RULES"); do inns fw "$NFK_IPT" -w -t "$tbl" -Z; done
mkdir -p "$OUT/snapshot"
# The sets as loaded, in ipset save's own format (empty file when the scenario has none).
inns fw ipset save >"$OUT/snapshot/ipset.save"
inns fw "$NFK_IPT-save" | grep -v '^#' >"$OUT/snapshot/iptables.rules.tmp"
{ inns fw "$NFK_IPT-save" | awk '/^# Generated/ && !n++ {sub(/ on .*/, ""); print}' ; cat "$OUT/snapshot/iptables.rules.tmp"; } >"$OUT/snapshot/iptables.rules"
rm "$OUT/snapshot/iptables.rules.tmp"
# The back end in nfeval's snapshot-info.txt form: iptables-legacy-save's header does not name it
# (only iptables-nft-save's says "(nf_tables)").
{ echo "iptables-save: $(inns fw "$NFK_IPT-save" --version 2>&1 | head -1)"
  case "$NFK_IPT" in *legacy) echo "backend: legacy";; *) echo "backend: nf_tables";; esac
  echo "kernel: $(uname -r)"
  # CONFIG_HZ: the tick rate rate limits count in (HostModel.configHz; nfeval takes 250 without it)
  hz=$(zcat /proc/config.gz 2>/dev/null | sed -n 's/^CONFIG_HZ=//p')
  [ -n "$hz" ] || hz=$(sed -n 's/^CONFIG_HZ=//p' "/boot/config-$(uname -r)" 2>/dev/null)
  [ -z "$hz" ] || echo "config-hz: $hz"
  # CLOCK_REALTIME - CLOCK_MONOTONIC (the reading whose two realtime reads lie closest): puts the
  # capture's times on the kernel's tick grid, which rate limits count in (HostModel.realtimeMinusMonotonic)
  echo "realtime-minus-monotonic-ns: $("$PY" -c 'import time
r = []
for _ in range(5):
    a = time.clock_gettime_ns(time.CLOCK_REALTIME)
    m = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    b = time.clock_gettime_ns(time.CLOCK_REALTIME)
    r.append((b - a, a + (b - a) // 2 - m))
print(min(r)[1])')"; } >"$OUT/snapshot/snapshot-info.txt"
# Which built-in chains iptables-nft has created (nfeval snapshot writes the same file): iptables-save
# prints the others too, with zero counters, but they see no packet.
case "$NFK_IPT" in *legacy) ;; *) inns fw nft -j list chains >"$OUT/snapshot/nft-chains.json";; esac
# Zero again: listing may not create packets, but make the window start here for sure.
for tbl in $(awk '/^\*/{print substr($0,2)}' "$RULES"); do inns fw "$NFK_IPT" -w -t "$tbl" -Z; done

# --- traffic --------------------------------------------------------------------------
: >"$NFK_WORK/traffic.log"
source "$SCEN/traffic"
sleep "${NFK_SETTLE_END:-1}"

# --- results --------------------------------------------------------------------------
inns fw "$NFK_IPT-save" -c | grep -v '^#' >"$NFK_WORK/expected.rules.body"
{ inns fw "$NFK_IPT-save" | awk '/^# Generated/ && !n++ {sub(/ on .*/, ""); print}' ; cat "$NFK_WORK/expected.rules.body"; } >"$OUT/expected.rules"
sleep 0.2
# SIGTERM, not SIGINT: background jobs of a non-interactive shell ignore SIGINT.
# tcpdump flushes and closes the file on either.
kill -TERM "$NFK_TCPDUMP"; wait "$NFK_TCPDUMP" || true; NFK_TCPDUMP=
cp "$NFK_WORK/capture.pcap" "$OUT/capture.pcap"
cp "$NFK_WORK/traffic.log" "$OUT/traffic.log"

# Sets after the traffic (members added by SET, counters): a result, kept beside the snapshot.
inns fw ipset save >"$OUT/ipset.after" 2>/dev/null || true
[ -s "$OUT/ipset.after" ] || rm -f "$OUT/ipset.after"
inns fw ip -j addr show >"$OUT/snapshot/ip-addr.json"
inns fw ip -j route show table all >"$OUT/snapshot/ip-route.json"
inns fw ip -j rule show >"$OUT/snapshot/ip-rule.json"
# Multicast group memberships (which groups local sockets joined: decides local delivery of
# multicast). Taken after the traffic, while the scenario's listeners still run.
inns fw ip -j maddr show >"$OUT/snapshot/ip-maddr.json"
# Bridge forwarding database (which MAC is behind which bridge port: decides --physdev-out of
# bridged frames); written only when the namespace has a bridge.
if inns fw ip -j link show type bridge | grep -q ifname; then inns fw bridge -j fdb show >"$OUT/snapshot/bridge-fdb.json"; fi
inns fw sysctl -a 2>/dev/null | grep -E '^net\.ipv4\.(ip_forward|ip_local_port_range|icmp_ratelimit|icmp_ratemask|icmp_msgs_|conf\.[^.]+\.(rp_filter|forwarding|send_redirects|accept_local|route_localnet|accept_redirects|log_martians|proxy_arp))|^net\.bridge\.bridge-nf-call-(iptables|arptables|ip6tables) |^net\.netfilter\.nf_conntrack_(checksum|tcp_loose|tcp_be_liberal|tcp_ignore_invalid_rst|tcp_max_retrans|acct|helper|udp_timeout|udp_timeout_stream|gre_timeout|gre_timeout_stream|tcp_timeout_(established|syn_sent|syn_recv|time_wait|close|fin_wait|close_wait|last_ack|unacknowledged)|icmp_timeout|generic_timeout|max) ' >"$OUT/snapshot/sysctl.txt" || true
# (nf_conntrack_* appear only once conntrack is loaded in the namespace.)

"$PY" "$NFK_HOME/finalize.py" "$OUT" "$NAME" "$SCEN/description"
