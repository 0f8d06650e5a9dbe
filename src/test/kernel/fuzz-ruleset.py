#!/usr/bin/python3
"""Builds a kernel-differential scenario of random crafted traffic through any iptables-save file.

    src/test/kernel/fuzz-ruleset.py RULESET SCENARIO_DIR [--seed N] [--count N]
    sudo src/test/kernel/run-scenario.sh SCENARIO_DIR OUTDIR

The firewall namespace gets one veth per interface the ruleset names with -i/-o (dotted VLAN-style names
are kept as plain interface names), each with a 10.0.N.1/24 address and a peer in a "lan" namespace,
routes for every /16 the ruleset's addresses fall in (spread over the interfaces), forwarding on and
rp_filter and the ICMP error rate limit off. The traffic is a seeded scapy program sent from the peers:
TCP with every flag mix and common options, UDP, ICMP queries, ICMP errors quoting earlier flows, replies
to earlier flows arriving elsewhere, packets to the firewall's own, broadcast and multicast addresses,
TTLs 1 and 2, TOS values, IP options, bad checksums and fragments, SCTP chunks of every kind with tags
that sometimes fit (from a random stream of its own: other packets of a seed stay the same), with source MACs that the ruleset's
-m mac rules name (anonymised XX:XX:.. MACs become 02:00:00:00:00:01) or random ones. Anything the
kernel refuses in the ruleset makes run-scenario.sh fail with iptables-restore's message.

A scenario's sets come along: an `ipset` file beside the ruleset (or --ipset FILE) is copied into the
scenario and its members join the address and port pools. Rulesets of the shared corpus are not copied: the scenario directory reads the ruleset it was built from
only when built. This found the generic-protocol conntrack fix (other-protocols) on a 5,556-rule
firewall; see README.md.
"""
import argparse
import ipaddress
import os
import re
import zlib

TRAFFIC = r'''FWMACS="$(i=0; for v in @IFACES@; do echo -n "$i=$(mac fw $v) "; i=$((i+1)); done)"
# One CPU sends (and so processes) every packet, as a replay evaluates them (lib.sh, NFK_CPU).
NFK_CPU=0 SEED=@SEED@ COUNT=@COUNT@ FWMACS="$FWMACS" POOLS="$SCEN/pools.py" scapy lan <<'PY'
import os, random, ipaddress
exec(open(os.environ['POOLS']).read())
IFX = [str(i) for i in range(len(IFACES))]
fwmacs = dict(x.split('=') for x in os.environ['FWMACS'].split())
rnd = random.Random(int(os.environ['SEED']))
def host(a, l):
    net = ipaddress.ip_network(f'{a}/{l}', strict=False)
    if net.num_addresses <= 2: return str(net.network_address)
    return str(net.network_address + rnd.randrange(1, min(net.num_addresses - 1, 1 << 20)))
pool = [x for x in ADDRS if not x[0].startswith(('127.', '0.', '224.', '255.'))] or [('192.0.2.0', '24')]
flows = []
def l4rand(src, dst):
    r = rnd.random()
    if r < 0.5:
        flags = rnd.choice(['S', 'S', 'SA', 'A', 'PA', 'F', 'R', 'FA', 'SF', '', 'FPU'])
        opts = rnd.choice([[], [('MSS', 1460)], [('MSS', 1400), ('WScale', 7), ('SAckOK', b''), ('Timestamp', (1, 0))],
                           [('NOP', None), ('NOP', None), ('Timestamp', (5, 6))]])
        return TCP(sport=rnd.choice([rnd.randrange(1024, 65535), rnd.choice(PORTS)]),
                   dport=rnd.choice(PORTS + [rnd.randrange(1, 65535)]), flags=flags, seq=rnd.randrange(1 << 32),
                   ack=rnd.randrange(1 << 32) if 'A' in flags else 0, options=opts)
    if r < 0.8:
        return UDP(sport=rnd.choice([rnd.randrange(1024, 65535), 53, 123]),
                   dport=rnd.choice(PORTS + [53, 123, 161, 5353, rnd.randrange(1, 65535)])) / Raw(b'u' * rnd.randrange(0, 300))
    if r < 0.9:
        return ICMP(type=rnd.choice([8, 8, 0, 13, 17]), id=rnd.randrange(65536))
    if flows and rnd.random() < 0.7:
        f = rnd.choice(flows)
        inner = IP(src=f[1], dst=f[0]) / (TCP(sport=f[3], dport=f[2]) if f[4] == 6 else UDP(sport=f[3], dport=f[2]))
    else:
        inner = IP(src=dst, dst=src) / UDP(sport=rnd.randrange(1, 65535), dport=rnd.randrange(1, 65535))
    return ICMP(type=rnd.choice([3, 11]), code=rnd.choice([0, 1, 3, 4])) / bytes(inner)[:28]
rs = random.Random(int(os.environ['SEED']) * 7919 + 132)
sctp_flows = []
SCTP_TAGS = [0, 0x1111, 0x2222, 0x3333]
def sctp_chunk(kind):
    tag = rs.choice(SCTP_TAGS[1:])
    return {'init': lambda: SCTPChunkInit(init_tag=tag, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=1),
            'init_ack': lambda: SCTPChunkInitAck(init_tag=tag, a_rwnd=65535, n_out_streams=1, n_in_streams=1, init_tsn=1),
            'cookie_echo': lambda: SCTPChunkCookieEcho(cookie=b'c' * 8), 'cookie_ack': lambda: SCTPChunkCookieAck(),
            'data': lambda: SCTPChunkData(tsn=rs.randrange(1 << 32), data=b'd' * rs.randrange(1, 64)),
            'sack': lambda: SCTPChunkSACK(cumul_tsn_ack=1, a_rwnd=65535),
            'heartbeat': lambda: SCTPChunkHeartbeatReq(), 'heartbeat_ack': lambda: SCTPChunkHeartbeatAck(),
            'abort': lambda: SCTPChunkAbort(TCB=rs.choice([0, 1])), 'shutdown': lambda: SCTPChunkShutdown(cumul_tsn_ack=1),
            'shutdown_ack': lambda: SCTPChunkShutdownAck(),
            'shutdown_complete': lambda: SCTPChunkShutdownComplete(TCB=rs.choice([0, 1]))}[kind]()
KINDS = ['init', 'init', 'init_ack', 'cookie_echo', 'cookie_ack', 'data', 'data', 'sack', 'heartbeat', 'heartbeat_ack',
         'abort', 'shutdown', 'shutdown_ack', 'shutdown_complete']
def sctp_packet():
    if sctp_flows and rs.random() < 0.6:
        f = rs.choice(sctp_flows)
        src, dst, sp, dp = f if rs.random() < 0.5 else (f[1], f[0], f[3], f[2])
    else:
        src = host(*rs.choice(pool)); dst = host(*rs.choice(pool))
        sp = rs.choice([5000, 3868, rs.randrange(1024, 65535)]); dp = rs.choice([3868, 2905, 5000, rs.randrange(1, 65535)])
        sctp_flows.append((src, dst, sp, dp))
    chunks = sctp_chunk(rs.choice(KINDS))
    if rs.random() < 0.15:
        chunks = chunks / sctp_chunk(rs.choice(KINDS))
    p = IP(src=src, dst=dst) / SCTP(sport=sp, dport=dp, tag=rs.choice(SCTP_TAGS)) / chunks
    if rs.random() < 0.05:
        p[SCTP].chksum = 0x1234
    return p
count = int(os.environ['COUNT'])
for k in range(count):
    v = rnd.choice(IFX)
    if flows and rnd.random() < 0.25:
        f = rnd.choice(flows)
        src, dst = f[1], f[0]
        l4 = (TCP(sport=f[3], dport=f[2], flags=rnd.choice(['SA', 'A', 'PA', 'R', 'FA']), seq=rnd.randrange(1 << 32),
                  ack=rnd.randrange(1 << 32)) if f[4] == 6 else UDP(sport=f[3], dport=f[2]))
    else:
        src = host(*rnd.choice(pool)); dst = host(*rnd.choice(pool))
        x = rnd.random()
        if x < 0.06: dst = '10.0.%s.1' % v
        elif x < 0.08: dst = rnd.choice(['224.0.0.1', '224.0.0.251', '255.255.255.255', '10.0.%s.255' % v])
        l4 = l4rand(src, dst)
        if isinstance(l4, (TCP, UDP)):
            flows.append((src, dst, l4.sport, l4.dport, 6 if isinstance(l4, TCP) else 17))
    mac = '02:00:00:00:00:01' if rnd.random() < 0.6 else '02:00:00:00:%02x:%02x' % (rnd.randrange(256), rnd.randrange(256))
    ip = IP(src=src, dst=dst, ttl=rnd.choice([64, 64, 64, 1, 2, 128]), tos=rnd.choice([0, 0, 0, 0x10, 0xb8]))
    if rnd.random() < 0.05:
        ip.options = [IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_EOL()]
    p = ip / l4
    if rnd.random() < 0.03:
        p = IP(bytes(p))
        if rnd.random() < 0.3: p[IP].chksum = (p[IP].chksum + 1) & 0xffff
        if p.haslayer(TCP) or p.haslayer(UDP):
            l = p[TCP] if p.haslayer(TCP) else p[UDP]
            l.chksum = (l.chksum + 7) & 0xffff
    if rnd.random() < 0.04 and len(bytes(p)) > 60:
        for fr in fragment(p, fragsize=24):
            sendp(Ether(src=mac, dst=fwmacs[v]) / fr, iface='p' + v, verbose=0)
        continue
    sendp(Ether(src=mac, dst=fwmacs[v]) / p, iface='p' + v, verbose=0)
    # SCTP from a stream of its own, so a seed's other packets stay what they were
    if rs.random() < 0.06:
        sendp(Ether(src=mac, dst=fwmacs[v]) / sctp_packet(), iface='p' + v, verbose=0)
print('sent', count)
PY
settle 0.5
'''


def main():
    a = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    a.add_argument('ruleset')
    a.add_argument('scenario')
    a.add_argument('--seed', type=int, default=1)
    a.add_argument('--count', type=int, default=1000)
    a.add_argument('--ipset', help="ipset restore input the ruleset's sets need (default: an 'ipset' file beside it)")
    args = a.parse_args()
    ipset = args.ipset or os.path.join(os.path.dirname(os.path.abspath(args.ruleset)), 'ipset')
    ipset = open(ipset).read() if os.path.isfile(ipset) else None
    src = open(args.ruleset, encoding='utf-8', errors='replace').read()
    os.makedirs(args.scenario, exist_ok=True)
    out, table = [], None
    for line in src.split('\n'):
        if line.startswith('#'):
            continue
        if line.startswith('*'):
            table = line[1:]
        line = line.replace('XX:XX:XX:XX:XX:XX', '02:00:00:00:00:01')
        line = re.sub(r'^(:\S+ \S+) \[\d+:\d+\]', r'\1 [0:0]', line)
        line = re.sub(r'^\[\d+:\d+\] ', '', line)
        out.append(line)
        if table == 'raw' and line.startswith(':OUTPUT'):
            out.append('-A PREROUTING -m comment --comment "every packet entering raw PREROUTING"')
            out.append('-A OUTPUT -m comment --comment "every packet entering raw OUTPUT"')
    rules = '\n'.join(out)
    if '*raw' not in src:
        rules = ('*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n'
                 '-A PREROUTING -m comment --comment "every packet entering raw PREROUTING"\n'
                 '-A OUTPUT -m comment --comment "every packet entering raw OUTPUT"\nCOMMIT\n') + rules
    with open(os.path.join(args.scenario, 'rules'), 'w') as f:
        f.write(rules.rstrip('\n') + '\n')
    ifaces = sorted(set(x for x in re.findall(r' -[io] ([A-Za-z0-9._-]+)', src) if x != 'lo' and not x.endswith('+')))
    ifaces = [i for i in ifaces if len(i) < 16] or ['eth0', 'eth1']
    addrs = sorted(set(re.findall(r' -[sd] (\d+\.\d+\.\d+\.\d+)/(\d+)', src))
                   | set((x, '32') for x in re.findall(r'--to-destination (\d+\.\d+\.\d+\.\d+)', src)))
    ports = sorted(set(int(p) for p in re.findall(r'--[sd]port (\d+)', src))
                   | set(int(p) for m in re.findall(r'--[sd]ports ([\d,:]+)', src) for p in re.split('[,:]', m) if p)
                   | {22, 53, 80, 123, 443})
    if ipset is not None:
        # the sets go along, and their members join the pools so that random traffic hits them
        with open(os.path.join(args.scenario, 'ipset'), 'w') as f:
            f.write(ipset)
        members = re.findall(r'^add \S+ (\S+)', ipset, re.M)
        addrs = sorted(set(addrs) | set((a, l or '32') for m in members
                                        for a, l in re.findall(r'(\d+\.\d+\.\d+\.\d+)(?:/(\d+))?', m)))
        ports = sorted(set(ports) | set(int(p) for m in members for p in re.findall(r':(\d+)', m)
                                        if int(p) < 65536))
    with open(os.path.join(args.scenario, 'pools.py'), 'w') as f:
        f.write('ADDRS=%r\nPORTS=%r\nIFACES=%r\n' % (addrs, ports, ifaces))
    n = len(ifaces)
    topo = ['ns fw; ns lan']
    for i, name in enumerate(ifaces):
        topo.append(f'link lan p{i} 10.0.{i}.2/24 fw {name} 10.0.{i}.1/24')
    nets = set(str(ipaddress.ip_network(f'{x}/16', strict=False)) for x, _ in addrs)
    for net in sorted(nets):
        if not net.startswith(('127.', '0.', '224.', '10.0.', '255.')):
            topo.append(f'route fw {net} via 10.0.{zlib.crc32(net.encode()) % n}.2')
    topo.append('route fw default via 10.0.%d.2' % (n - 1))
    topo.append('sysctl_set fw net.ipv4.ip_forward=1')
    topo.append('for k in all default ' + ' '.join(i.replace('.', '/') for i in ifaces)
                + '; do sysctl_set fw net.ipv4.conf.$k.rp_filter=0; done')
    topo.append('sysctl_set fw net.ipv4.icmp_ratelimit=0')
    with open(os.path.join(args.scenario, 'topology'), 'w') as f:
        f.write('\n'.join(topo) + '\n')
    traffic = (TRAFFIC.replace('@IFACES@', ' '.join(ifaces)).replace('@SEED@', str(args.seed))
               .replace('@COUNT@', str(args.count)))
    with open(os.path.join(args.scenario, 'traffic'), 'w') as f:
        f.write(traffic)
    with open(os.path.join(args.scenario, 'description'), 'w') as f:
        f.write('Random crafted traffic (seed %d, %d packets) through %s on %d interfaces.\n'
                % (args.seed, args.count, os.path.basename(args.ruleset), n))
    print('%s: %d interfaces, %d addresses, %d ports' % (args.scenario, n, len(addrs), len(ports)))


if __name__ == '__main__':
    main()
