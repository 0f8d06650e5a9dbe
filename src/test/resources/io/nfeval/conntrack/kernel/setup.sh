#!/bin/bash
# netns ctA (sender of both directions) -- ctR (router with conntrack, counting ctstate in FORWARD) -- ctB (sink)
for n in ctA ctR ctB; do ip netns del $n 2>/dev/null || true; ip netns add $n; ip -n $n link set lo up; done
ip link add vA netns ctA type veth peer name vR netns ctR
ip link add vO netns ctR type veth peer name vB netns ctB
ip -n ctA addr add 10.9.0.2/24 dev vA; ip -n ctA link set vA up
ip -n ctR addr add 10.9.0.1/24 dev vR; ip -n ctR link set vR up
ip -n ctR addr add 10.8.0.1/24 dev vO; ip -n ctR link set vO up
ip -n ctB link set vB up
ip netns exec ctR sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.vR.send_redirects=0 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.vR.rp_filter=0
ip -n ctR neigh add 10.8.0.2 lladdr 02:00:00:00:00:02 dev vO nud permanent
ip -n ctR neigh add 10.9.0.2 lladdr $(ip -n ctA -j link show vA | /usr/bin/python3 -c 'import json,sys;print(json.load(sys.stdin)[0]["address"])') dev vR nud permanent
ip netns exec ctA iptables -A INPUT -j DROP
for s in INVALID NEW ESTABLISHED RELATED; do ip netns exec ctR iptables -A FORWARD -m conntrack --ctstate $s -j ACCEPT; done
ip -n ctR -j link show vR | /usr/bin/python3 -c 'import json,sys;print(json.load(sys.stdin)[0]["address"])' > /tmp/nfeval-ct-rmac
