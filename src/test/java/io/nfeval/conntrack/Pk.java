package io.nfeval.conntrack;

/** Test packet builder over one reusable CtPacket (conntrack and NAT tests). */
public final class Pk {
    public static final int C = 0x0a000001; // 10.0.0.1
    public static final int S = 0x0a000002; // 10.0.0.2
    public static final long SEC = 1_000_000_000L;

    public final CtPacket p = new CtPacket();
    public final CtResult r = new CtResult();
    final ConntrackTable t;
    long now = 1000 * SEC;

    public Pk(ConntrackTable t) {
        this.t = t;
    }

    public Pk at(long secs) {
        now = 1000 * SEC + secs * SEC;
        return this;
    }

    public Pk atNanos(long nanos) {
        now = 1000 * SEC + nanos;
        return this;
    }

    public CtPacket tcp(int src, int sport, int dst, int dport, int flags, long seq, long ack, int win, int len) {
        p.clear();
        p.proto = Ct.IPPROTO_TCP;
        p.src = src;
        p.dst = dst;
        p.sport = sport;
        p.dport = dport;
        p.tcpFlags = flags;
        p.seq = seq & 0xffffffffL;
        p.ack = ack & 0xffffffffL;
        p.window = win;
        p.datalen = len;
        p.tcpHdrLen = 20;
        p.ipLen = 40 + len;
        p.timeNanos = now;
        p.hook = Ct.HOOK_PRE_ROUTING;
        return p;
    }

    public CtPacket syn(int src, int sport, int dst, int dport, long seq, int win, int wscale) {
        tcp(src, sport, dst, dport, Ct.TCP_SYN, seq, 0, win, 0);
        p.tcpHdrLen = 40;
        p.wscale = wscale;
        p.sackPerm = true;
        return p;
    }

    public CtPacket udp(int src, int sport, int dst, int dport) {
        p.clear();
        p.proto = Ct.IPPROTO_UDP;
        p.src = src;
        p.dst = dst;
        p.sport = sport;
        p.dport = dport;
        p.ipLen = 60;
        p.timeNanos = now;
        p.hook = Ct.HOOK_PRE_ROUTING;
        return p;
    }

    public CtPacket icmp(int src, int dst, int type, int code, int id) {
        p.clear();
        p.proto = Ct.IPPROTO_ICMP;
        p.src = src;
        p.dst = dst;
        p.icmpType = type;
        p.icmpCode = code;
        p.icmpId = id;
        p.ipLen = 84;
        p.timeNanos = now;
        p.hook = Ct.HOOK_PRE_ROUTING;
        return p;
    }

    /** Run conntrack and confirm a new entry, as if the packet was accepted. */
    public CtResult pass(CtPacket pkt) {
        t.lookupOrCreate(pkt, r);
        if (r.unconfirmed) {
            t.confirm(r.handle, pkt.timeNanos);
        }
        return r;
    }

    public CtResult lookup(CtPacket pkt) {
        t.lookupOrCreate(pkt, r);
        return r;
    }
}
