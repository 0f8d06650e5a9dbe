# In netns ctA: UDP and ICMP packets through ctR; prints ctstate counted in FORWARD and the conntrack line.
import subprocess, sys, time
from scapy.all import Ether, IP, UDP, ICMP, IPerror, UDPerror, ICMPerror, sendp, conf
conf.verb = 0
C, S = "10.9.0.2", "10.8.0.2"
rmac = open("/tmp/nfeval-ct-rmac").read().strip()
STATES = ["INVALID", "NEW", "ESTABLISHED", "RELATED"]
def ns(*a):
    return subprocess.run(["ip", "netns", "exec", "ctR"] + list(a), capture_output=True, text=True).stdout
def counters():
    return [int(l.split()[0]) for l in ns("iptables", "-L", "FORWARD", "-v", "-x", "-n").splitlines()[2:] if l.strip()]
ns("conntrack", "-F")
t0 = time.time()
def send(label, pkt, at):
    while time.time() - t0 < at:
        time.sleep(0.01)
    b = counters()
    sendp(Ether(dst=rmac) / pkt, iface="vA")
    time.sleep(0.05)
    a = counters()
    st = [STATES[i] for i in range(4) if a[i] != b[i]]
    lines = [" ".join(l.split()[:3] + [w for w in l.split() if w.startswith("[")]) for l in ns("conntrack", "-L").splitlines()]
    print(label, "|", st[0] if st else "NONE", "|", "; ".join(sorted(lines)))
send("udp o t=0", IP(src=C, dst=S) / UDP(sport=5000, dport=53) / b"q", 0)
send("udp r t=0.5", IP(src=S, dst=C) / UDP(sport=53, dport=5000) / b"a", 0.5)
send("udp o t=1", IP(src=C, dst=S) / UDP(sport=5000, dport=53) / b"q", 1.0)
send("udp o t=2.6", IP(src=C, dst=S) / UDP(sport=5000, dport=53) / b"q", 2.6)
send("udp2 o unanswered", IP(src=C, dst=S) / UDP(sport=5001, dport=53) / b"q", 2.7)
send("udp2 o again", IP(src=C, dst=S) / UDP(sport=5001, dport=53) / b"q", 2.8)
send("icmp echo req id7", IP(src=C, dst=S) / ICMP(type=8, id=7, seq=1), 2.9)
send("icmp echo req id7 again", IP(src=C, dst=S) / ICMP(type=8, id=7, seq=2), 3.0)
send("icmp echo reply id7", IP(src=S, dst=C) / ICMP(type=0, id=7, seq=2), 3.1)
send("icmp echo req id7 after reply", IP(src=C, dst=S) / ICMP(type=8, id=7, seq=3), 3.2)
send("icmp echo reply id9 unsolicited", IP(src=S, dst=C) / ICMP(type=0, id=9, seq=1), 3.3)
send("icmp port-unreach about udp", IP(src=S, dst=C) / ICMP(type=3, code=3) / IPerror(src=C, dst=S) / UDPerror(sport=5000, dport=53), 3.4)
send("icmp port-unreach unknown flow", IP(src=S, dst=C) / ICMP(type=3, code=3) / IPerror(src=C, dst=S) / UDPerror(sport=5999, dport=53), 3.5)
send("icmp time-exceeded wrong outer dst", IP(src="10.8.0.7", dst="10.9.0.9") / ICMP(type=11, code=0) / IPerror(src=C, dst=S) / UDPerror(sport=5000, dport=53), 3.6)
send("icmp time-exceeded about echo", IP(src="10.8.0.7", dst=C) / ICMP(type=11, code=0) / IPerror(src=C, dst=S) / ICMPerror(type=8, id=7, seq=3), 3.7)
