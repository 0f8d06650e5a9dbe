package io.nfeval.bench;

import java.io.IOException;
import java.util.HashMap;
import java.util.PriorityQueue;
import java.util.Map;

/**
 * Generates the router's arriving traffic for a {@link SitePolicy}: {@code flows} concurrent flows, each
 * packet taken from a flow chosen uniformly at random (so flows interleave as on a busy link), arrival
 * times a Poisson process at {@code pps}. A finished flow is replaced by a new one.
 *
 * <p>Flow mix (new flows): 52% outbound TCP from an inside zone (HTTPS/HTTP, some SSH), 30% DNS over UDP
 * to the zone's resolver (plus NTP), 4% ICMP echo (outbound, and to the router itself), 10% inbound TCP
 * to published services from allowlisted sources, 4% noise that the rules drop (blocklisted or spoofed
 * sources, unpublished ports, outbound ports the zone rejects, sources outside an allowlist).
 *
 * <p>TCP connections are complete and consistent, so conntrack's window tracking
 * ({@code tcp_in_window}) accepts them: SYN with MSS/SACK_PERM/WS 7, SYN/ACK, ACK, data both ways with
 * cumulative ACKs and less than 40 kB unacknowledged (well inside the 64 kB scaled window), then FIN/ACK,
 * FIN/ACK, ACK (3% end with RST/ACK). Data segment sizes follow the IMIX shape: about 58% minimum-size frames
 * (pure ACKs, tiny payloads; 60 bytes with padding), 33% around 570 bytes, 8% 1514 bytes.
 *
 * <p>Stateful policies NAT: replies of outbound flows arrive on eth0 addressed to the masquerading
 * address with the client's source port, which {@code MASQUERADE} keeps when the tuple is unique
 * (nf_nat_core.c {@code get_unique_tuple}: the original port is tried first). The generator guarantees
 * that uniqueness by never reusing a (server, port, NAT address, client port) while a flow holds it or its
 * conntrack entry may still exist (timeout plus 60 s), so the predicted reply addresses are the kernel's.
 * A zone's DNS goes to its one resolver; when no free client port is left for it (very high DNS rates
 * on few zones), the generator makes an HTTPS flow instead. Inbound flows address the public address and public port
 * (DNAT); the inside server's replies arrive on eth1 from its own address. Stateless policies route
 * without translation.
 */
final class Traffic {
  private static final int TCP = 6;
  private static final int UDP = 17;
  private static final int ICMP = 1;
  private static final long SEC = 1_000_000_000L;
  /** Kept past a tuple's conntrack lifetime before the generator reuses it. */
  private static final long MARGIN_NANOS = 60 * SEC;
  private static final int MAX_ATTEMPTS = 64;
  private static final int WINDOW = 502;
  private static final int MAX_INFLIGHT = 40_000;

  /** One flow in progress. "c" is the side that opened it, "s" the side that answers. */
  private static final class Flow {
    int proto;
    /** c→s packets: addresses and ports as they arrive at the router; cOutside: arrive on eth0. */
    int cSrc;
    int cDst;
    int cSport;
    int cDport;
    boolean cOutside;
    long cMac;
    int cTtl;
    /** s→c packets. */
    int sSrc;
    int sDst;
    int sSport;
    int sDport;
    boolean sOutside;
    long sMac;
    int sTtl;
    int ipIdC;
    int ipIdS;
    int step;
    /** TCP: data segments left; UDP: 0; ICMP: echo pairs left. Packets left for one-sided flows. */
    int remaining;
    boolean answered;
    boolean rst;
    boolean clientCloses;
    long cSeq;
    long sSeq;
    long cAcked;
    long sAcked;
    int icmpId;
    int icmpSeq;
    int reqLen;
    int respLen;
    /** The reserved tuple (see {@link #reserve}). */
    long key;
    long firstNanos;
    long replyNanos;
    /** False for flows the rules drop on their first packet: they leave no conntrack entry. */
    boolean tracked = true;
  }

  private final SitePolicy policy;
  private final Prng rnd;
  private final PcapOut out;
  private final double meanGapNanos;
  private final Flow[] slots;
  private final Map<Long, Long> tupleHold = new HashMap<>();
  /** Expiry times of the conntrack entries of finished flows, for the table-size estimate. */
  private final PriorityQueue<Long> expiries = new PriorityQueue<>();
  private int active;
  long peakEntries;
  private final int[] serverPool;
  private long now;
  private final long start;
  long flowsStarted;
  long small;
  long medium;
  long large;
  long tcpPackets;
  long udpPackets;
  long icmpPackets;

  Traffic(SitePolicy policy, Prng rnd, PcapOut out, int flows, double pps, long startNanos) {
    this.policy = policy;
    this.rnd = rnd;
    this.out = out;
    this.meanGapNanos = 1e9 / pps;
    this.slots = new Flow[flows];
    this.now = startNanos;
    this.start = startNanos;
    this.serverPool = new int[4096];
    for (int i = 0; i < serverPool.length; i++) {
      serverPool[i] = SitePolicy.goodNet(rnd, 32);
    }
  }

  /** Simulated time from the first time stamp to the last. */
  long elapsed() {
    return now - start;
  }

  void run(long packets) throws IOException {
    for (long i = 0; i < packets; i++) {
      now += (long) rnd.exponential(meanGapNanos) + 1;
      final int k = rnd.nextInt(slots.length);
      Flow f = slots[k];
      if (f == null) {
        f = newFlow();
        f.firstNanos = now;
        slots[k] = f;
        active++;
      }
      if (next(f)) {
        slots[k] = null;
        active--;
        finished(f);
      }
    }
  }

  /**
   * A flow ended: its conntrack entry lives on for the protocol's timeout (nf_conntrack_proto_*.c:
   * TCP TIME_WAIT 120 s, CLOSE 10 s; UDP 30 s, or 120 s once a reply came more than 2 s after the first
   * packet; ICMP 30 s), and its tuple is not reused until that plus a margin has passed.
   */
  private void finished(Flow f) {
    final long life;
    if (f.proto == TCP) {
      life = f.rst ? 10 * SEC : 120 * SEC;
    } else if (f.proto == UDP) {
      life = f.replyNanos - f.firstNanos > 2 * SEC ? 120 * SEC : 30 * SEC;
    } else {
      life = 30 * SEC;
    }
    tupleHold.put(f.key, now + life + MARGIN_NANOS);
    if (f.tracked) {
      expiries.add(now + life);
    }
    while (!expiries.isEmpty() && expiries.peek() < now) {
      expiries.poll();
    }
    peakEntries = Math.max(peakEntries, active + expiries.size());
  }

  // ------------------------------------------------------------------ new flows

  private Flow newFlow() {
    flowsStarted++;
    final double r = rnd.nextDouble();
    final boolean minimal = policy.minimal;
    if (r < 0.52) {
      return outboundTcp(minimal || rnd.chance(0.97) ? (rnd.chance(0.8) ? 443 : 80) : 22);
    }
    if (r < 0.82) {
      return minimal || rnd.chance(0.9) ? outboundUdp(53) : outboundUdp(123);
    }
    if (r < 0.86) {
      return minimal || rnd.chance(0.3) ? icmpToRouter() : outboundIcmp();
    }
    if (r < 0.96) {
      return inboundTcp(true);
    }
    return noise();
  }

  private SitePolicy.Zone zone() {
    return policy.zones.get(rnd.nextInt(policy.zones.size()));
  }

  private int insideHost(SitePolicy.Zone z) {
    return z.net | rnd.between(10, 250);
  }

  /**
   * Client (inside) → server (outside) through NAT when stateful; {@code server} 0 picks one from the
   * server pool (another one on each attempt). Null when no free tuple was found (a busy single
   * resolver): the caller makes another kind of flow.
   */
  private Flow outbound(int proto, SitePolicy.Zone z, int fixedServer, int dport) {
    final Flow f = new Flow();
    f.proto = proto;
    final int client = insideHost(z);
    final int nat = policy.stateless ? client : z.snat() ? Topology.PUBLIC_IP2 : Topology.PUBLIC_IP;
    int sport;
    int server;
    int attempt = 0;
    do {
      if (++attempt > MAX_ATTEMPTS) {
        return null;
      }
      server = fixedServer != 0 ? fixedServer : serverPool[rnd.nextInt(serverPool.length)];
      sport = proto == ICMP ? rnd.nextInt(65536) : proto == UDP ? rnd.between(1024, 65535)
          : rnd.between(32768, 60999);
      f.key = reserve(proto, server, dport, nat, sport);
    } while (f.key == 0);
    f.cSrc = client;
    f.cDst = server;
    f.cSport = sport;
    f.cDport = dport;
    f.cOutside = false;
    f.cMac = Topology.insideHostMac(client);
    f.cTtl = 64;
    f.sSrc = server;
    f.sDst = nat;
    f.sSport = dport;
    f.sDport = sport;
    f.sOutside = true;
    f.sMac = Topology.GATEWAY_MAC;
    f.sTtl = rnd.between(44, 58);
    f.ipIdC = rnd.nextInt(65536);
    f.ipIdS = rnd.nextInt(65536);
    return f;
  }

  private Flow outboundTcp(int port) {
    final SitePolicy.Zone z = zone();
    Flow f = outbound(TCP, z, port == 22 ? z.sshNet | rnd.between(1, 254) : 0, port);
    if (f == null) {
      f = outbound(TCP, z, 0, 443);
    }
    tcpInit(f);
    return f;
  }

  private Flow outboundUdp(int port) {
    final SitePolicy.Zone z = zone();
    final Flow f = outbound(UDP, z, port == 53 ? z.resolver : 0, port);
    if (f == null) {
      return outboundTcp(443);
    }
    f.reqLen = port == 53 ? rnd.between(28, 60) : 48;
    f.respLen = port == 53 ? rnd.between(60, 250) : 48;
    return f;
  }

  private Flow outboundIcmp() {
    final Flow f = outbound(ICMP, zone(), 0, 0);
    if (f == null) {
      return outboundTcp(443);
    }
    f.icmpId = f.cSport;
    f.remaining = rnd.between(1, 5);
    return f;
  }

  private Flow icmpToRouter() {
    final Flow f = new Flow();
    f.proto = ICMP;
    final int client = SitePolicy.goodNet(rnd, 32);
    f.cSrc = client;
    f.cDst = Topology.PUBLIC_IP;
    f.cOutside = true;
    f.cMac = Topology.GATEWAY_MAC;
    f.cTtl = rnd.between(44, 58);
    f.icmpId = rnd.nextInt(65536);
    f.key = reserve(ICMP, client, f.icmpId, Topology.PUBLIC_IP, 0);
    f.remaining = rnd.between(1, 4);
    f.answered = false;
    f.step = -1;
    return f;
  }

  /** Client (outside) → published service (DNAT when stateful). */
  private Flow inboundTcp(boolean allowed) {
    final SitePolicy.Service s = policy.services.get(rnd.nextInt(policy.services.size()));
    int client;
    if (s.allow.isEmpty() || !allowed) {
      client = SitePolicy.goodNet(rnd, 32);
    } else {
      final int[] a = s.allow.get(rnd.nextInt(s.allow.size()));
      client = a[0] | (rnd.nextInt(Integer.MAX_VALUE) & ~SitePolicy.mask(a[1]));
    }
    final int dst = policy.stateless ? s.addr : Topology.PUBLIC_IP;
    final int dport = policy.stateless ? s.port : s.publicPort;
    int sport;
    long key;
    do {
      sport = rnd.between(32768, 60999);
      key = reserve(TCP, client, sport, dst, dport);
    } while (key == 0);
    final Flow f = new Flow();
    f.key = key;
    f.proto = TCP;
    f.cSrc = client;
    f.cDst = dst;
    f.cSport = sport;
    f.cDport = dport;
    f.cOutside = true;
    f.cMac = Topology.GATEWAY_MAC;
    f.cTtl = rnd.between(44, 58);
    f.sSrc = s.addr;
    f.sDst = client;
    f.sSport = s.port;
    f.sDport = sport;
    f.sOutside = false;
    f.sMac = Topology.insideHostMac(s.addr);
    f.sTtl = 64;
    f.ipIdC = rnd.nextInt(65536);
    f.ipIdS = rnd.nextInt(65536);
    tcpInit(f);
    return f;
  }

  /** A lone SYN the rules drop (or reject): scans, blocklisted and spoofed sources, denied ports. */
  private Flow noise() {
    final int kind = rnd.nextInt(4);
    final Flow f;
    if (kind == 0 && !policy.minimal) {
      final Flow o = outbound(TCP, zone(), 0, 25);
      f = o != null ? o : inboundTcp(false);
      f.tracked = false;
    } else if (kind == 1 && !policy.blocklist.isEmpty()) {
      final int[] b = policy.blocklist.get(rnd.nextInt(policy.blocklist.size()));
      f = inboundTcp(true);
      f.cSrc = b[0] | (rnd.nextInt(Integer.MAX_VALUE) & ~SitePolicy.mask(b[1]));
      f.tracked = false;
    } else if (kind == 2) {
      f = inboundTcp(false);
    } else {
      f = inboundTcp(true);
      f.cDport = rnd.chance(0.5) ? 23 : 3389;
      f.tracked = false;
      if (rnd.chance(0.2) && !policy.minimal) {
        f.cSrc = Topology.ip(192, 168, rnd.nextInt(256), rnd.between(1, 254));
      }
    }
    tcpInit(f);
    f.remaining = 0;
    f.step = -2;
    return f;
  }

  /**
   * Reserves a connection tuple, named by a 64-bit hash (a hash collision only makes the generator more
   * careful). Returns the key, or 0 while a running flow holds it or a finished one's conntrack entry may
   * still exist (see {@link #finished}).
   */
  private long reserve(int proto, int a, int aPort, int b, int bPort) {
    long k = ((long) a << 32) ^ (b & 0xffffffffL);
    k = k * 0x9e3779b97f4a7c15L + ((long) aPort << 24 | (long) bPort << 8 | proto);
    k ^= k >>> 29;
    if (k == 0) {
      k = 1;
    }
    final Long until = tupleHold.get(k);
    if (until != null && until > now) {
      return 0;
    }
    tupleHold.put(k, Long.MAX_VALUE);
    return k;
  }

  private void tcpInit(Flow f) {
    f.cSeq = rnd.nextLong() & 0xffffffffL;
    f.sSeq = rnd.nextLong() & 0xffffffffL;
    final double r = rnd.nextDouble();
    f.remaining = r < 0.70 ? rnd.between(4, 20) : r < 0.95 ? rnd.between(20, 200) : rnd.between(200, 2000);
    f.rst = rnd.chance(0.03);
    f.clientCloses = rnd.chance(0.6);
  }

  // ------------------------------------------------------------------ packets

  /** Emits the flow's next packet; true when the flow is finished. */
  private boolean next(Flow f) throws IOException {
    switch (f.proto) {
      case TCP:
        return nextTcp(f);
      case UDP:
        if (f.step == 0) {
          f.step = 1;
          udp(f, true, f.reqLen);
          return false;
        }
        f.replyNanos = now;
        udp(f, false, f.respLen);
        return true;
      default:
        return nextIcmp(f);
    }
  }

  private boolean nextIcmp(Flow f) throws IOException {
    if (f.step == -1) {
      // echo to the router: only requests arrive (the router's replies leave through OUTPUT)
      icmpPackets++;
      count(28 + 56 + 14);
      out.icmpEcho(now, Topology.OUTSIDE_MAC, f.cMac, f.cSrc, f.cDst, f.cTtl, f.ipIdC++, 8, f.icmpId,
          ++f.icmpSeq, 56);
      return --f.remaining <= 0;
    }
    icmpPackets++;
    count(28 + 56 + 14);
    if ((f.step & 1) == 0) {
      f.step++;
      out.icmpEcho(now, mac(f.cOutside), f.cMac, f.cSrc, f.cDst, f.cTtl, f.ipIdC++, 8, f.icmpId,
          ++f.icmpSeq, 56);
      return false;
    }
    f.step++;
    out.icmpEcho(now, mac(f.sOutside), f.sMac, f.sSrc, f.sDst, f.sTtl, f.ipIdS++, 0, f.icmpId, f.icmpSeq, 56);
    return --f.remaining <= 0;
  }

  private static long mac(boolean outside) {
    return outside ? Topology.OUTSIDE_MAC : Topology.INSIDE_MAC;
  }

  private void udp(Flow f, boolean fromClient, int len) throws IOException {
    udpPackets++;
    count(14 + 28 + len);
    if (fromClient) {
      out.udp(now, mac(f.cOutside), f.cMac, f.cSrc, f.cDst, f.cTtl, f.ipIdC++, f.cSport, f.cDport, len);
    } else {
      out.udp(now, mac(f.sOutside), f.sMac, f.sSrc, f.sDst, f.sTtl, f.ipIdS++, f.sSport, f.sDport, len);
    }
  }

  private void seg(Flow f, boolean fromClient, int flags, boolean options, int len) throws IOException {
    tcpPackets++;
    count(14 + 40 + (options ? 12 : 0) + len);
    if (fromClient) {
      out.tcp(now, mac(f.cOutside), f.cMac, f.cSrc, f.cDst, f.cTtl, f.ipIdC++, f.cSport, f.cDport,
          f.cSeq, (flags & PcapOut.TCP_ACK) != 0 ? f.sSeq : 0, flags, options ? 64240 : WINDOW, options, len);
      f.cSeq = (f.cSeq + len + ((flags & (PcapOut.TCP_SYN | PcapOut.TCP_FIN)) != 0 ? 1 : 0)) & 0xffffffffL;
      f.sAcked = f.sSeq;
    } else {
      out.tcp(now, mac(f.sOutside), f.sMac, f.sSrc, f.sDst, f.sTtl, f.ipIdS++, f.sSport, f.sDport,
          f.sSeq, f.cSeq, flags, options ? 65160 : WINDOW, options, len);
      f.sSeq = (f.sSeq + len + ((flags & (PcapOut.TCP_SYN | PcapOut.TCP_FIN)) != 0 ? 1 : 0)) & 0xffffffffL;
      f.cAcked = f.cSeq;
    }
  }

  private void count(int frame) {
    if (frame <= 100) {
      small++;
    } else if (frame <= 1000) {
      medium++;
    } else {
      large++;
    }
  }

  private boolean nextTcp(Flow f) throws IOException {
    final int ack = PcapOut.TCP_ACK;
    switch (f.step) {
      case -2:
        seg(f, true, PcapOut.TCP_SYN, true, 0);
        return true;
      case 0:
        f.step = 1;
        seg(f, true, PcapOut.TCP_SYN, true, 0);
        return false;
      case 1:
        f.step = 2;
        seg(f, false, PcapOut.TCP_SYN | ack, true, 0);
        return false;
      case 2:
        f.step = 3;
        seg(f, true, ack, false, 0);
        return false;
      case 3:
        if (f.remaining > 0) {
          f.remaining--;
          data(f);
          return false;
        }
        if (f.rst) {
          seg(f, f.clientCloses, PcapOut.TCP_RST | ack, false, 0);
          return true;
        }
        f.step = 4;
        seg(f, f.clientCloses, PcapOut.TCP_FIN | ack, false, 0);
        return false;
      case 4:
        f.step = 5;
        seg(f, !f.clientCloses, PcapOut.TCP_FIN | ack, false, 0);
        return false;
      default:
        seg(f, f.clientCloses, ack, false, 0);
        return true;
    }
  }

  /** One data-phase segment: mostly server to client, IMIX-like sizes, window-respecting. */
  private void data(Flow f) throws IOException {
    boolean fromClient = rnd.chance(0.45);
    final double r = rnd.nextDouble();
    int len = r < 0.46 ? (rnd.chance(0.5) ? 0 : rnd.between(1, 6))
        : r < 0.90 ? rnd.between(470, 560) : 1460;
    final long inflight = fromClient ? (f.cSeq - f.cAcked) & 0xffffffffL : (f.sSeq - f.sAcked) & 0xffffffffL;
    if (inflight + len > MAX_INFLIGHT) {
      fromClient = !fromClient;
      len = 0;
    }
    seg(f, fromClient, len > 0 ? PcapOut.TCP_ACK | PcapOut.TCP_PSH : PcapOut.TCP_ACK, false, len);
  }
}
