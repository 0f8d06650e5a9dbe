# Shared topology library for run-scenario.sh. Sourced, not executed.
# Every namespace is named "$NFK_PREFIX<role>"; the role "fw" is the firewall host
# whose netfilter is captured and snapshotted. Interface names inside a namespace are
# free (each namespace has its own); veth pairs are created under unique temporary names
# in the root namespace and renamed once moved.

NFK_NS=()        # roles created, for cleanup
NFK_PIDS=()      # background processes started by the harness or the traffic script
NFK_LINKSEQ=0

nsname() { echo "${NFK_PREFIX}$1"; }

# in ROLE CMD...: run CMD inside the namespace of ROLE.
inns() { local r=$1; shift; ip netns exec "$(nsname "$r")" "$@"; }

# ns ROLE: create a namespace with lo up and IPv6 disabled before any link exists.
ns() {
  local n; n=$(nsname "$1")
  ip netns add "$n"
  NFK_NS+=("$1")
  ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  # Deterministic ICMP error sending: no rate limit surprises inside one run beyond the kernel's
  # documented defaults (left untouched on purpose: nfeval must model them).
  ip -n "$n" link set lo up
}

mac() { inns "$1" cat "/sys/class/net/$2/address"; }

# neigh ROLE IF IP MAC: permanent neighbour entry (no ARP ever).
neigh() { ip -n "$(nsname "$1")" neigh replace "$3" lladdr "$4" dev "$2" nud permanent; }

# veth ROLE_A IF_A ROLE_B IF_B: a veth pair between two namespaces, both ends up.
veth() {
  NFK_LINKSEQ=$((NFK_LINKSEQ + 1))
  local ta="nfka${NFK_LINKSEQ}x$$" tb="nfkb${NFK_LINKSEQ}x$$"
  ta=${ta:0:15}; tb=${tb:0:15}
  ip link add "$ta" type veth peer name "$tb"
  ip link set "$ta" netns "$(nsname "$1")"
  ip link set "$tb" netns "$(nsname "$3")"
  ip -n "$(nsname "$1")" link set "$ta" name "$2"
  ip -n "$(nsname "$3")" link set "$tb" name "$4"
}

# addr ROLE IF CIDR...: assign addresses and bring the interface up.
addr() {
  local r=$1 i=$2; shift 2
  local c
  for c in "$@"; do ip -n "$(nsname "$r")" addr add "$c" dev "$i"; done
  ip -n "$(nsname "$r")" link set "$i" up
}

# link ROLE_A IF_A CIDR_A ROLE_B IF_B CIDR_B: veth + addresses + static neighbours both ways.
link() {
  veth "$1" "$2" "$4" "$5"
  addr "$1" "$2" "$3"
  addr "$4" "$5" "$6"
  neigh "$1" "$2" "${6%/*}" "$(mac "$4" "$5")"
  neigh "$4" "$5" "${3%/*}" "$(mac "$1" "$2")"
}

# route ROLE ARGS...: ip route add ARGS in ROLE.
route() { local r=$1; shift; ip -n "$(nsname "$r")" route add "$@"; }

sysctl_set() { local r=$1; shift; inns "$r" sysctl -qw "$@"; }

# bg ROLE CMD...: start CMD in the background inside ROLE; killed at the end of the run.
# (ip netns exec execs the command, so $! is the command itself and can be signalled.)
bg() { local r=$1; shift; ip netns exec "$(nsname "$r")" "$@" >>"$NFK_WORK/bg.log" 2>&1 & NFK_PIDS+=($!); }

# wait_listen ROLE tcp|udp PORT: wait until a socket listens on PORT (up to 5 s).
wait_listen() {
  local r=$1 p=$2 port=$3 i
  for i in $(seq 50); do
    if inns "$r" ss -Hln --"$p" "sport = :$port" | grep -q .; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on $p/$port in $r" >&2; return 1
}

PY=/usr/bin/python3
TRAFFIC_PY="$NFK_HOME/traffic.py"
# t ROLE ARGS...: run the traffic helper (traffic.py) inside ROLE, logging its outcome.
t() { local r=$1; shift; echo "[$r] traffic.py $*" >>"$NFK_WORK/traffic.log"; inns "$r" "$PY" "$TRAFFIC_PY" "$@" >>"$NFK_WORK/traffic.log" 2>&1 || true; }
# scapy ROLE <<'PY' ... PY: run a scapy snippet inside ROLE (stdin is the script).
# With NFK_CPU set, the snippet runs on that CPU only (taskset): packets it sends are then processed by
# the kernel on that CPU too (veth delivers on the sender's CPU), as a replay evaluates them: on one CPU.
# Scenarios whose outcome depends on the processing CPU set it (nf_conncount's find_or_evict keeps a
# vanished connection counted when another CPU added it less than two jiffies ago).
scapy() {
  local r=$1 pin=()
  [ -n "${NFK_CPU:-}" ] && pin=(taskset -c "$NFK_CPU")
  echo "[$r] scapy snippet${NFK_CPU:+ on CPU $NFK_CPU}" >>"$NFK_WORK/traffic.log"
  inns "$r" "${pin[@]}" "$PY" -c 'import sys; from scapy.all import *; conf.verb=0; exec(sys.stdin.read())' >>"$NFK_WORK/traffic.log" 2>&1 || true
}
# settle [SECONDS]: let in-flight packets and timers finish.
settle() { sleep "${1:-0.3}"; }

# topo_host: client 10.1.0.2 --eth0-- fw 10.1.0.1 (the firewall is an end host).
topo_host() {
  ns fw; ns client
  link client eth0 10.1.0.2/24 fw eth0 10.1.0.1/24
}

# topo_router: client 10.1.0.2 --eth0-- fw 10.1.0.1 | fw 10.2.0.1 --eth1-- server 10.2.0.2,
# fw forwards; both ends route through fw.
topo_router() {
  ns fw; ns client; ns server
  link client eth0 10.1.0.2/24 fw eth0 10.1.0.1/24
  link server eth0 10.2.0.2/24 fw eth1 10.2.0.1/24
  route client default via 10.1.0.1
  route server default via 10.2.0.1
  sysctl_set fw net.ipv4.ip_forward=1
}
