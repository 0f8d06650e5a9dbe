#!/usr/bin/env bash
# Benchmark (not a test): the highest packet rate at which `nfeval live` on a veth keeps up with zero
# drops, and the rate at which it starts dropping.
#
# A firewall namespace (nfeval live watches its veth end) and a peer namespace that sends UDP with
# tcpreplay --pps R. For each rate: start live, replay SECONDS seconds of traffic, stop live (SIGTERM),
# read its final summary (kernel buffer drops from pcap_stats, queue drops) and the kernel's own count
# of arrivals (a raw PREROUTING counting rule). Root only; needs iproute2, iptables, tcpreplay and
# scapy (/usr/bin/python3).
#
#   bench/live-veth.sh [RATES...]            default rates: 5000 10000 20000 40000 80000 160000 topspeed
#   SECONDS=3 PKTLEN=100 LIVE_OPTS="--no-immediate" bench/live-veth.sh 20000 50000
#
# Output: one line per rate, then the highest zero-drop rate and the first dropping rate.
set -euo pipefail
cd "$(dirname "$0")/.."

RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(5000 10000 20000 40000 80000 160000 topspeed)
SECS=${SECONDS_PER_RATE:-${SECONDS_RUN:-3}}
PKTLEN=${PKTLEN:-100}
LIVE_OPTS=${LIVE_OPTS:-}
TAG=$$
FW=nfbf$TAG
PEER=nfbp$TAG
WORK=$(mktemp -d /tmp/nfeval-bench.XXXXXX)

[ "$(id -u)" = 0 ] || { echo "live-veth.sh: needs root (namespaces, packet sockets)" >&2; exit 2; }
command -v tcpreplay >/dev/null || { echo "live-veth.sh: needs tcpreplay" >&2; exit 2; }

cleanup() {
  [ -n "${LIVE_PID:-}" ] && kill -TERM "$LIVE_PID" 2>/dev/null || true
  ip netns del "$FW" 2>/dev/null || true
  ip netns del "$PEER" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -z "${NFEVAL_CP:-}" ]; then
  mvn -B -q -o compile >/dev/null 2>&1 || mvn -B -q compile >/dev/null
  mvn -B -q -o dependency:build-classpath -Dmdep.outputFile="$WORK/cp" >/dev/null 2>&1 \
    || mvn -B -q dependency:build-classpath -Dmdep.outputFile="$WORK/cp" >/dev/null
  NFEVAL_CP="$PWD/target/classes:$(cat "$WORK/cp")"
fi

ip netns add "$FW"
ip netns add "$PEER"
ip link add bv0 netns "$FW" type veth peer name bv1 netns "$PEER"
ip netns exec "$FW" sh -ec 'ip addr add 10.78.0.1/24 dev bv0; ip link set bv0 up; ip link set lo up;
  sysctl -qw net.ipv6.conf.all.disable_ipv6=1'
ip netns exec "$PEER" sh -ec 'ip addr add 10.78.0.2/24 dev bv1; ip link set bv1 up; ip link set lo up;
  sysctl -qw net.ipv6.conf.all.disable_ipv6=1'
ip netns exec "$FW" iptables-restore <<'EOF'
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp -m udp --dport 9
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p udp -m udp --dport 9 -j DROP
COMMIT
EOF
java -cp "$NFEVAL_CP" io.nfeval.cli.Main snapshot --netns "$FW" "$WORK/snap" 2>/dev/null

FWMAC=$(ip netns exec "$FW" cat /sys/class/net/bv0/address)
PEERMAC=$(ip netns exec "$PEER" cat /sys/class/net/bv1/address)
/usr/bin/python3 - "$WORK/udp.pcap" "$FWMAC" "$PEERMAC" "$PKTLEN" <<'EOF'
import sys
from scapy.all import Ether, IP, UDP, Raw, wrpcap
out, fw, peer, plen = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
pad = max(0, plen - 14 - 20 - 8)
wrpcap(out, [Ether(src=peer, dst=fw)/IP(src='10.78.0.2', dst='10.78.0.1')/UDP(sport=10000 + i, dport=9)/Raw(b'x' * pad)
             for i in range(10000)])
EOF

kernel_count() {
  ip netns exec "$FW" iptables-save -c -t raw | sed -n 's/^\[\([0-9]*\):[0-9]*\] -A PREROUTING -p udp.*/\1/p'
}

echo "# nfeval live on a veth: ${PKTLEN}-byte UDP frames, ${SECS}s per rate; live options: ${LIVE_OPTS:-defaults}"
echo "# $(nproc) CPUs; $(uname -r); $(java -version 2>&1 | head -1)"
printf "%-10s %12s %10s %10s %10s %10s %s\n" rate achieved_pps kernel evaluated pcap_drop queue_drop verdict
best_ok=""
first_drop=""
for rate in "${RATES[@]}"; do
  ip netns exec "$FW" iptables -Z -t raw
  if [ "$rate" = topspeed ]; then
    loops=$(( SECS * 20 ))
    speed=(--topspeed)
  else
    loops=$(( (rate * SECS + 9999) / 10000 ))
    speed=(--pps "$rate")
  fi
  # shellcheck disable=SC2086
  ip netns exec "$FW" java -cp "$NFEVAL_CP" io.nfeval.cli.Main live --iface bv0 --snapshot "$WORK/snap" \
    --every 1s $LIVE_OPTS >"$WORK/live.out" 2>"$WORK/live.err" </dev/null &
  LIVE_PID=$!
  for _ in $(seq 600); do grep -q "capturing on" "$WORK/live.err" 2>/dev/null && break; sleep 0.1; done
  grep -q "capturing on" "$WORK/live.err" || { echo "live did not start:"; cat "$WORK/live.err"; ps -o pid,stat,etime,wchan:30,cmd -p "$LIVE_PID" | cut -c1-120; exit 1; }
  sleep 0.5
  achieved=$(ip netns exec "$PEER" tcpreplay -i bv1 "${speed[@]}" --loop="$loops" "$WORK/udp.pcap" 2>&1 \
    | sed -n 's/.*Rated: [0-9.]* Bps, [0-9.]* Mbps, \([0-9.]*\) pps.*/\1/p' | head -1)
  sleep 1
  kill -TERM "$LIVE_PID"
  wait "$LIVE_PID" || true
  LIVE_PID=
  kernel=$(kernel_count)
  evaluated=$(sed -n 's/^  packets evaluated *\([0-9]*\)/\1/p' "$WORK/live.out")
  pdrop=$(sed -n 's/.*pcap received [0-9]*, dropped \([0-9]*\) (kernel buffer), \([0-9]*\) (interface).*/\1+\2/p' "$WORK/live.out" | head -1)
  qdrop=$(sed -n 's/.*queue dropped \([0-9]*\),.*/\1/p' "$WORK/live.out" | head -1)
  drops=$(( ${pdrop:-0} + ${qdrop:-0} ))
  if [ "$drops" -eq 0 ] && [ "${evaluated:-0}" -ge "$kernel" ]; then
    verdict="keeps up"
    best_ok="$rate (${achieved} pps achieved)"
  else
    verdict="DROPS ($drops, missing $(( kernel - ${evaluated:-0} )))"
    [ -n "$first_drop" ] || first_drop="$rate (${achieved} pps achieved)"
  fi
  if [ $(( kernel - ${evaluated:-0} )) -ne "$drops" ]; then
    echo "  (unaccounted: live's stderr/stdout tail follows)"; tail -n 4 "$WORK/live.err" "$WORK/live.out" | sed 's/^/  /'
  fi
  printf "%-10s %12s %10s %10s %10s %10s %s\n" "$rate" "${achieved:-?}" "$kernel" "${evaluated:-?}" \
    "${pdrop:-?}" "${qdrop:-?}" "$verdict"
done
echo "highest rate with zero drops: ${best_ok:-none}"
echo "first rate with drops:        ${first_drop:-none up to ${RATES[-1]}}"
