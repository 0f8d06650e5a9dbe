#!/bin/bash
# Kernel side of Ext2TargetTest.hmarkAndClusterHashesEqualTheKernels: HMARK and cluster counters for 60
# UDP packets sent into a namespace with scapy (/usr/bin/python3). Needs root.
set -e
NS=ext2hk
ip netns del $NS 2>/dev/null || true
ip netns add $NS
ip link add ext2h0 type veth peer name ext2h1
ip link set ext2h1 netns $NS
ip addr add 10.77.0.1/24 dev ext2h0; ip link set ext2h0 up
ip netns exec $NS ip addr add 10.77.0.2/24 dev ext2h1
ip netns exec $NS ip link set ext2h1 up
ip netns exec $NS sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.ext2h1.rp_filter=0
ip netns exec $NS iptables-restore <<R
*mangle
:PREROUTING ACCEPT [0:0]
-A PREROUTING -i ext2h1 -p udp -j HMARK --hmark-tuple src,dst,sport,dport,proto --hmark-mod 7 --hmark-rnd 0xdeadbeef --hmark-offset 100
$(for i in 100 101 102 103 104 105 106; do echo "-A PREROUTING -i ext2h1 -m mark --mark $i"; done)
-A PREROUTING -i ext2h1 -p udp -j HMARK --hmark-src-prefix 16 --hmark-dport-mask 0xff --hmark-proto-mask 0 --hmark-mod 5 --hmark-rnd 0x1234
$(for i in 0 1 2 3 4; do echo "-A PREROUTING -i ext2h1 -m mark --mark $i"; done)
-A PREROUTING -i ext2h1 -m cluster --cluster-total-nodes 3 --cluster-local-node 1 --cluster-hash-seed 0xfeedcafe
-A PREROUTING -i ext2h1 -m cluster --cluster-total-nodes 3 --cluster-local-nodemask 6 --cluster-hash-seed 0xfeedcafe
COMMIT
R
/usr/bin/python3 - <<P
from scapy.all import Ether, IP, UDP, sendp, get_if_hwaddr, conf
conf.verb = 0
import subprocess
mac = subprocess.check_output("ip netns exec ext2hk cat /sys/class/net/ext2h1/address", shell=True).decode().strip()
pk = []
for x in range(1, 61):
    pk.append(Ether(dst=mac)/IP(src="10.%d.%d.%d" % (x % 5, x, x * 3 % 250 + 1), dst="10.77.0.2")/UDP(sport=1000 + x * 7, dport=53 + x % 3)/b"x")
sendp(pk, iface="ext2h0")
P
sleep 1
ip netns exec $NS iptables -t mangle -L PREROUTING -v -n -x
ip netns del $NS
ip link del ext2h0 2>/dev/null || true
