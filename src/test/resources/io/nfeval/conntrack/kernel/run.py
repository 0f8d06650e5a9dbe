# Runs inside netns ctA: replays a scenario (client 10.9.0.2:40000 <-> server 10.8.0.2:80) and prints,
# per packet, the --ctstate the router's FORWARD chain counted and the conntrack TCP state.
import subprocess, sys
from scapy.all import Ether, IP, TCP, sendp, conf
conf.verb = 0
C, S, CP, SP = "10.9.0.2", "10.8.0.2", 40000, 80
rmac = open("/tmp/nfeval-ct-rmac").read().strip()
STATES = ["INVALID", "NEW", "ESTABLISHED", "RELATED"]
def counters():
    out = subprocess.run(["ip", "netns", "exec", "ctR", "iptables", "-L", "FORWARD", "-v", "-x", "-n"], capture_output=True, text=True).stdout.splitlines()[2:]
    return [int(l.split()[0]) for l in out if l.strip()]
def ctstate():
    out = subprocess.run(["ip", "netns", "exec", "ctR", "conntrack", "-L", "-p", "tcp"], capture_output=True, text=True).stdout.split()
    return out[3] if len(out) > 3 else "-"
FL = {"S": "S", "SA": "SA", "A": "A", "PA": "PA", "FA": "FA", "R": "R", "RA": "RA", "SF": "SF", "F": "F"}
subprocess.run(["ip", "netns", "exec", "ctR", "conntrack", "-F"], capture_output=True)
for line in open(sys.argv[1]):
    line = line.strip()
    if not line or line.startswith("#"):
        print(line); continue
    f = line.split()
    d, flags, seq, ack, win, ln = f[0], f[1], int(f[2]), int(f[3]), int(f[4]), int(f[5])
    opts = [("WScale", int(f[6])), ("SAckOK", b"")] if len(f) > 6 and f[6] != "-" else []
    src, dst, sp, dp = (C, S, CP, SP) if d == "o" else (S, C, SP, CP)
    before = counters()
    pkt = Ether(dst=rmac) / IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags=flags, seq=seq, ack=ack, window=win, options=opts) / (b"x" * ln)
    sendp(pkt, iface="vA")
    import time; time.sleep(0.05)
    after = counters()
    st = [STATES[i] for i in range(4) if after[i] != before[i]]
    print("%s %s %s" % (" ".join(f[:7] if len(f) > 6 else f + ["-"]), st[0] if st else "NONE", ctstate()))
