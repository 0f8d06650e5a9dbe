#!/bin/bash
# Kernel side of Ext2MatchTest.matchesCountLikeTheKernel: the 7 datagrams of pk.hex (run from this directory) sent into a namespace
# whose mangle PREROUTING counts them per rule. Needs root and scapy (/usr/bin/python3).
set -e
NS=ext2df
ip netns del $NS 2>/dev/null || true
ip netns add $NS
ip link add ext2d0 type veth peer name ext2d1
ip link set ext2d1 netns $NS
ip link set ext2d0 up
ip netns exec $NS ip addr add 10.77.0.2/24 dev ext2d1
ip netns exec $NS ip link set ext2d1 up
ip netns exec $NS iptables-restore <<'R'
*mangle
:PREROUTING ACCEPT [0:0]
-A PREROUTING -i ext2d1 -p tcp -m ecn --ecn-tcp-ece --ecn-tcp-cwr
-A PREROUTING -i ext2d1 -p tcp -m ecn ! --ecn-tcp-cwr --ecn-ip-ect 1
-A PREROUTING -i ext2d1 -p tcp -m ecn --ecn-ip-ect 3
-A PREROUTING -i ext2d1 -p tcp -m ecn ! --ecn-tcp-ece
-A PREROUTING -i ext2d1 -p ah -m ah --ahspi 4096
-A PREROUTING -i ext2d1 -p ah -m ah ! --ahspi 4096
-A PREROUTING -i ext2d1 -p esp -m esp ! --espspi 0:4294967294
-A PREROUTING -i ext2d1 -p dccp -m dccp --dccp-types REQUEST --dport 80
-A PREROUTING -i ext2d1 -p dccp -m dccp --dccp-option 32
-A PREROUTING -i ext2d1 -p dccp -m dccp ! --dccp-option 33
-A PREROUTING -i ext2d1 -p dccp -m dccp --dccp-option 7
-A PREROUTING -i ext2d1 -m bpf --bytecode "5,177 0 0 0,72 0 0 2,21 0 1 443,6 0 0 1,6 0 0 0"
-A PREROUTING -i ext2d1 -m quota --quota 100
-A PREROUTING -i ext2d1 -m quota ! --quota 100
-A PREROUTING -i ext2d1 -m length --length 0:40
COMMIT
R
/usr/bin/python3 - <<P
from scapy.all import Ether, IP, sendp, conf
conf.verb = 0
import subprocess
mac = subprocess.check_output("ip netns exec $NS cat /sys/class/net/ext2d1/address", shell=True).decode().strip()
pk = [Ether(dst=mac, type=0x0800)/IP(bytes.fromhex(l.strip())) for l in open("pk.hex") if l.strip()]
sendp(pk, iface="ext2d0")
P
sleep 1
ip netns exec $NS iptables -t mangle -L PREROUTING -v -n -x
ip netns del $NS
ip link del ext2d0 2>/dev/null || true
