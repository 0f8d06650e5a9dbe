package io.nfeval.engine;

import io.nfeval.conntrack.Ct;
import io.nfeval.conntrack.ConntrackTable;
import io.nfeval.conntrack.TcpConntrack;
import io.nfeval.packet.LinkType;
import io.nfeval.packet.PacketView;
import io.nfeval.packet.PacketWriter;
import io.nfeval.rules.ext.SynproxyTarget;
import io.nfeval.rules.ext.XtVerdict;
import java.nio.ByteBuffer;

/**
 * SYNPROXY as the kernel runs it (net/ipv4/netfilter/ipt_SYNPROXY.c, net/netfilter/nf_synproxy_core.c):
 * the target answers a client's SYN with a SYN-ACK carrying a SYN cookie and steals the SYN; on the
 * client's ACK it checks the cookie and opens the connection to the server itself (its own SYN, from
 * SYNPROXY's conntrack template, so the entry carries the synproxy extension). The synproxy hook (INPUT
 * and POSTROUTING, just before conntrack's confirm) sees that entry's packets: the server's SYN-ACK is
 * stolen and answered with an ACK to the server and a window update to the client, and from then on the
 * server's sequence numbers are translated into the cookie's (nf_ct_seqadj_init), which conntrack's
 * window check takes into account.
 *
 * <p>With the host's own packets in the capture (NFLOG OUTPUT) the packets the proxy sends are there:
 * the SYN-ACK gives the cookie, the SYN to the server is marked as made from the template, and the window
 * update to the client is sent carrying the entry (not tracked again). Without them they are built here
 * and sent through OUTPUT; the kernel's cookie is then unknowable, so an ACK answering a SYN the proxy
 * saw is assumed to carry it (flagged), and an ACK with no such SYN is refused.
 */
final class Synproxy {
  /** TCP option bits of struct synproxy_options (NF_SYNPROXY_OPT_*). */
  static final int OPT_MSS = 0x01;
  static final int OPT_WSCALE = 0x02;
  static final int OPT_SACK_PERM = 0x04;
  static final int OPT_TIMESTAMP = 0x08;
  static final int OPT_ECN = 0x10;

  /** msstab of net/ipv4/syncookies.c: the MSS values a cookie can carry. */
  private static final int[] MSSTAB = {536, 1300, 1440, 1460};

  /**
   * A cookie holds tcp_cookie_time() (minutes) and is refused once two minutes have turned
   * (MAX_SYNCOOKIE_AGE): valid for 60 to 120 s after it was given, by the clock's phase.
   */
  private static final long COOKIE_SURE = 60_000_000_000L;
  private static final long COOKIE_MAX = 120_000_000_000L;

  private final Engine engine;

  Synproxy(Engine engine) {
    this.engine = engine;
  }

  // ---- the SYNs answered, by client tuple --------------------------------------------------------

  private static final int SLOTS = 1 << 16;
  private static final int PROBES = 8;
  private final int[] sClient = new int[SLOTS];
  private final int[] sServer = new int[SLOTS];
  private final int[] sPorts = new int[SLOTS];
  private final int[] sSeq = new int[SLOTS];
  private final int[] sCookie = new int[SLOTS];
  /** The cookie is the one the host sent (seen in the capture). */
  private final boolean[] sCookieKnown = new boolean[SLOTS];
  private final long[] sTime = new long[SLOTS];
  private final boolean[] sUsed = new boolean[SLOTS];

  private static int home(int client, int server, int ports) {
    int x = client * 0x9E3779B1 ^ server * 0x85EBCA77 ^ ports * 0xC2B2AE3D;
    x ^= x >>> 15;
    return x & (SLOTS - 1);
  }

  /** The slot of a client tuple, or -1. */
  private int find(int client, int server, int ports) {
    final int h = home(client, server, ports);
    for (int i = 0; i < PROBES; i++) {
      final int s = (h + i) & (SLOTS - 1);
      if (sUsed[s] && sClient[s] == client && sServer[s] == server && sPorts[s] == ports) {
        return s;
      }
    }
    return -1;
  }

  /** The slot for a client tuple: its own, a free one, or the oldest of its probe window. */
  private int slotFor(int client, int server, int ports) {
    final int found = find(client, server, ports);
    if (found >= 0) {
      return found;
    }
    final int h = home(client, server, ports);
    int oldest = h;
    for (int i = 0; i < PROBES; i++) {
      final int s = (h + i) & (SLOTS - 1);
      if (!sUsed[s]) {
        return s;
      }
      if (sTime[s] < sTime[oldest]) {
        oldest = s;
      }
    }
    return oldest;
  }

  // ---- the proxy's packets in a capture of the host's packets -----------------------------------

  private static final int E_NONE = 0;
  /** The SYN-ACK to the client: its sequence number is the cookie. */
  private static final int E_COOKIE = 1;
  /** The SYN to the server: made from the template. */
  private static final int E_SERVER_SYN = 2;
  /** The window update to the client: carries the entry as ESTABLISHED_REPLY. */
  private static final int E_CLIENT_ACK = 3;
  /** The ACK to the server: tracked before nf_ct_seqadj_init (the entry's handle). */
  private static final int E_SERVER_ACK = 4;

  /**
   * Host packets the proxy has sent and the capture should show: kind, src, dst, ports, seq, handle,
   * slot, each until {@link #EXPECT_NANOS} after it was sent. The kernel sends them from within the
   * packet that triggers them, but NFLOG records of other CPUs may come between.
   */
  private static final int EXPECTS = 8;
  private static final long EXPECT_NANOS = 1_000_000_000L;
  private final int[] expect = new int[7 * EXPECTS];
  private final long[] expectUntil = new long[EXPECTS];

  private void expectPacket(int kind, int src, int dst, int ports, int seq, int handle, int slot, long now) {
    int k = 0;
    for (int i = 0; i < EXPECTS; i++) {
      if (expect[7 * i] == E_NONE || expectUntil[i] < now) {
        k = i;
        break;
      }
      if (expectUntil[i] < expectUntil[k]) {
        k = i;
      }
    }
    final int o = 7 * k;
    expect[o] = kind;
    expect[o + 1] = src;
    expect[o + 2] = dst;
    expect[o + 3] = ports;
    expect[o + 4] = seq;
    expect[o + 5] = handle;
    expect[o + 6] = slot;
    expectUntil[k] = now + EXPECT_NANOS;
  }

  /** The entry whose reply direction's sequence adjustment is held back for the ACK to the server. */
  private int suspended = -1;
  private final int[] suspendedWords = new int[3];

  /**
   * A packet the host sends (from the capture, or built here), before OUTPUT: the proxy's own packets
   * are recognised; the ACK to the server is tracked without the sequence adjustment, which the kernel
   * sets up only after sending it. Returns whether the packet is one the proxy sent (it has no socket).
   */
  boolean hostPacket(Skb skb, PacketInfo info) {
    final PacketView v = skb.view;
    if (v.protocol() != PacketView.IPPROTO_TCP || !v.l4HeaderPresent()) {
      return false;
    }
    final int flags = v.tcpFlags() & 0x17;
    final int seq = (int) v.tcpSeq();
    for (int i = 0; i < EXPECTS; i++) {
      final int o = 7 * i;
      final int kind = expect[o];
      if (kind == E_NONE || expectUntil[i] < skb.tsNanos || v.srcAddr() != expect[o + 1]
          || v.dstAddr() != expect[o + 2] || ports(v) != expect[o + 3]) {
        continue;
      }
      if (kind == E_COOKIE && !info.generated && flags == (PacketView.TCP_SYN | PacketView.TCP_ACK)
          && (int) v.tcpAck() == expect[o + 4] + 1) {
        sCookie[expect[o + 6]] = seq;
        sCookieKnown[expect[o + 6]] = true;
      } else if (kind == E_SERVER_SYN && !info.generated && flags == PacketView.TCP_SYN
          && seq == expect[o + 4]) {
        engine.synproxyTemplate = true;
      } else if (kind == E_CLIENT_ACK && !info.generated && flags == PacketView.TCP_ACK
          && seq == expect[o + 4]) {
        // synproxy_send_client_ack: nf_ct_set(ESTABLISHED_REPLY), so OUTPUT's conntrack leaves it alone
        skb.ctHandle = expect[o + 5];
        skb.ctInfo = Ct.CTINFO_ESTABLISHED_REPLY;
        info.attached = true;
      } else if (kind == E_SERVER_ACK && flags == PacketView.TCP_ACK && seq == expect[o + 4]) {
        final int h = expect[o + 5];
        final ConntrackTable ct = engine.conntrack;
        suspended = h;
        for (int w = 0; w < 3; w++) {
          suspendedWords[w] = ct.seqAdjWord(h, Ct.DIR_REPLY, w);
          ct.setSeqAdjWord(h, Ct.DIR_REPLY, w, 0);
        }
      } else {
        continue;
      }
      expect[o] = E_NONE;
      return true;
    }
    return false;
  }

  /** After OUTPUT's conntrack: a sequence adjustment held back for the ACK to the server is restored. */
  void afterConntrack() {
    if (suspended >= 0) {
      for (int w = 0; w < 3; w++) {
        engine.conntrack.setSeqAdjWord(suspended, Ct.DIR_REPLY, w, suspendedWords[w]);
      }
      suspended = -1;
    }
  }

  private static int ports(PacketView v) {
    return v.srcPort() << 16 | v.dstPort();
  }

  // ---- the target --------------------------------------------------------------------------------

  /** synproxy_tg4. */
  int target(SynproxyTarget t, Skb skb) {
    final PacketView v = skb.view;
    if (!v.l4HeaderPresent() || v.protocol() != PacketView.IPPROTO_TCP) {
      return XtVerdict.DROP;
    }
    if (v.l4ChecksumVerifiable() && !v.l4ChecksumOk() && !engine.partialChecksum(v)) {
      return XtVerdict.DROP; // nf_ip_checksum
    }
    if (!parseOptions(skb)) {
      return XtVerdict.DROP;
    }
    final int flags = v.tcpFlags();
    final boolean syn = (flags & PacketView.TCP_SYN) != 0;
    final boolean ack = (flags & PacketView.TCP_ACK) != 0;
    final boolean finRst = (flags & (PacketView.TCP_FIN | PacketView.TCP_RST)) != 0;
    if (syn && !ack && !finRst) {
      if ((flags & 0xc0) == 0xc0) {
        options |= OPT_ECN; // ECE and CWR: the client asks for ECN
      }
      options &= t.optionBits();
      final int mssEncode = mssOption;
      mssOption = t.mss() < 0 ? 0 : t.mss();
      if ((options & OPT_TIMESTAMP) != 0) {
        initTimestampCookie(t, skb.tsNanos);
      } else {
        options &= ~(OPT_WSCALE | OPT_SACK_PERM | OPT_ECN);
      }
      final int client = v.srcAddr();
      final int server = v.dstAddr();
      final int ports = ports(v);
      final int s = slotFor(client, server, ports);
      sUsed[s] = true;
      sClient[s] = client;
      sServer[s] = server;
      sPorts[s] = ports;
      sSeq[s] = (int) v.tcpSeq();
      sTime[s] = skb.tsNanos;
      sCookieKnown[s] = false;
      sCookie[s] = cookieFor(client, server, ports, (int) v.tcpSeq(), cookieMssIndex(mssEncode));
      if (engine.options.generateAnswers) {
        sendClientSynack(skb, sCookie[s]);
      } else {
        expectPacket(E_COOKIE, server, client, Engine.swapPorts(ports), (int) v.tcpSeq(), -1, s,
            skb.tsNanos);
      }
      skb.log("SYNPROXY", "answers the SYN with a SYN-ACK (SYN cookie)");
      return XtVerdict.STOLEN;
    }
    if (ack && !syn && !finRst) {
      return recvClientAck(skb, (int) v.tcpSeq()) ? XtVerdict.STOLEN : XtVerdict.DROP;
    }
    return XtVerdict.CONTINUE;
  }

  /**
   * synproxy_recv_client_ack: whether the ACK carries a cookie the host gave; if so the proxy sends the
   * server its SYN (sequence {@code recvSeq} - 1).
   */
  private boolean recvClientAck(Skb skb, int recvSeq) {
    final PacketView v = skb.view;
    final int client = v.srcAddr();
    final int server = v.dstAddr();
    final int ports = ports(v);
    final int seq = (int) v.tcpSeq();
    final int cookie = (int) v.tcpAck() - 1;
    final int s = find(client, server, ports);
    final long age = s >= 0 ? skb.tsNanos - sTime[s] : Long.MAX_VALUE;
    boolean valid;
    int mss = MSSTAB[0];
    if (s >= 0 && age <= COOKIE_MAX && sSeq[s] == seq - 1) {
      // __cookie_v4_check: the cookie hashes the client's ISN (the ACK's sequence - 1)
      mss = MSSTAB[sCookie[s] & 3]; // our own cookies carry the MSS index; the kernel's SYN is captured
      if (sCookieKnown[s]) {
        valid = sCookie[s] == cookie;
      } else {
        // built here (the kernel's secret is unknowable), or the host's SYN-ACK is not in the capture
        skb.assume("SYNPROXY cookie (the host's secret)");
        valid = skb.assumeUnknowableMatches();
      }
      if (valid && age > COOKIE_SURE) {
        skb.assume("SYNPROXY cookie age (the minute the cookie was made)");
        valid = skb.assumeUnknowableMatches();
      }
    } else {
      // no SYN of this client answered in the last two minutes: a guessed cookie (an ACK flood, a
      // scan). A handshake that straddles the capture's start would be one too; it is not assumed.
      valid = false;
    }
    if (!valid) {
      skb.log("SYNPROXY", "invalid cookie: dropped");
      return false;
    }
    mssOption = mss;
    options |= OPT_MSS;
    if ((options & OPT_TIMESTAMP) != 0) {
      // synproxy_check_timestamp_cookie: the client's options, folded into the SYN-ACK's timestamp
      wscale = tsecr & 0xf;
      if (wscale != 0xf) {
        options |= OPT_WSCALE;
      }
      options |= (tsecr & 0x10) != 0 ? OPT_SACK_PERM : 0;
      options |= (tsecr & 0x20) != 0 ? OPT_ECN : 0;
    }
    if (engine.options.generateAnswers) {
      sendServerSyn(skb, recvSeq);
    } else {
      expectPacket(E_SERVER_SYN, client, server, ports, recvSeq - 1, -1, -1, skb.tsNanos);
    }
    skb.log("SYNPROXY", "valid cookie: sends the SYN to the server");
    return true;
  }

  // ---- the hook ----------------------------------------------------------------------------------

  /** ipv4_synproxy_hook at INPUT and POSTROUTING (priority NF_IP_PRI_CONNTRACK_CONFIRM - 1). */
  int hook(Skb skb) {
    final int h = skb.ctHandle;
    final ConntrackTable ct = engine.conntrack;
    if (h < 0 || !ct.hasSynproxy(h)) {
      return XtVerdict.ACCEPT;
    }
    final PacketView v = skb.view;
    if ((skb.in != null && skb.in.isLoopback()) || v.protocol() != PacketView.IPPROTO_TCP) {
      return XtVerdict.ACCEPT; // nf_is_loopback_packet
    }
    if (!v.l4HeaderPresent()) {
      return XtVerdict.DROP;
    }
    final int dir = Ct.dir(skb.ctInfo);
    final int flags = v.tcpFlags();
    final boolean syn = (flags & PacketView.TCP_SYN) != 0;
    final boolean ack = (flags & PacketView.TCP_ACK) != 0;
    final boolean rst = (flags & PacketView.TCP_RST) != 0;
    switch (ct.tcpState(h)) {
      case TcpConntrack.CLOSE:
        if (rst && dir != Ct.DIR_ORIGINAL) {
          ct.seqAdjInit(h, dir, ct.synproxyWord(h, 0) - (int) v.tcpSeq() + 1);
          break;
        }
        if (!syn || ack || dir != Ct.DIR_ORIGINAL) {
          break;
        }
        // a reopened connection: the adjustments start again once it is re-established
        ct.setSynproxyWord(h, 2, 0);
        // fall through
      case TcpConntrack.SYN_SENT:
        if (!parseOptions(skb)) {
          return XtVerdict.DROP;
        }
        if (!syn && ack && dir == Ct.DIR_ORIGINAL) {
          // the client's ACK again (a keep-alive: SEG.SEQ = SND.NXT - 1)
          return recvClientAck(skb, (int) v.tcpSeq() + 1) ? XtVerdict.STOLEN : XtVerdict.DROP;
        }
        ct.setSynproxyWord(h, 0, (int) v.tcpAck()); // the proxy's SYN relays the cookie in ack_seq
        if ((options & OPT_TIMESTAMP) != 0) {
          ct.setSynproxyWord(h, 1, tsecr);
        }
        break;
      case TcpConntrack.SYN_RECV: {
        if (!syn || !ack) {
          break;
        }
        if (!parseOptions(skb)) {
          return XtVerdict.DROP;
        }
        if ((options & OPT_TIMESTAMP) != 0) {
          ct.setSynproxyWord(h, 2, tsval - ct.synproxyWord(h, 1));
        }
        options &= ~(OPT_MSS | OPT_WSCALE | OPT_SACK_PERM);
        // the ACK to the server goes out (and is tracked) before the sequence adjustment exists
        expectPacket(E_SERVER_ACK, v.dstAddr(), v.srcAddr(), Engine.swapPorts(ports(v)), (int) v.tcpAck(),
            h, -1, skb.tsNanos);
        if (engine.options.generateAnswers) {
          sendServerAck(skb, ct.tcpTdMaxwin(h, Ct.DIR_ORIGINAL));
        }
        ct.seqAdjInit(h, dir, ct.synproxyWord(h, 0) - (int) v.tcpSeq());
        if (engine.options.generateAnswers) {
          sendClientAck(skb, h);
        } else {
          expectPacket(E_CLIENT_ACK, v.srcAddr(), v.dstAddr(), ports(v), (int) v.tcpSeq() + 1, h, -1,
              skb.tsNanos);
        }
        skb.log("SYNPROXY", "the server's SYN-ACK: ACKs the server, opens the client's window");
        return XtVerdict.STOLEN;
      }
      default:
        break;
    }
    return XtVerdict.ACCEPT;
  }

  // ---- options (synproxy_parse_options) ----------------------------------------------------------

  private int options;
  private int mssOption;
  private int wscale;
  private int tsval;
  private int tsecr;

  private boolean parseOptions(Skb skb) {
    final PacketView v = skb.view;
    options = 0;
    mssOption = 0;
    wscale = 0;
    tsval = 0;
    tsecr = 0;
    final ByteBuffer b = v.buffer();
    final int start = v.l4Offset() + 20;
    int length = v.tcpDataOffset() - 20;
    if (length < 0) {
      return false;
    }
    if (start + length > v.l4Offset() + v.l4Length()) {
      return false; // skb_header_pointer fails: the options run past the packet
    }
    final int captured = v.offset() + v.capLen() - start;
    if (captured < length) {
      skb.assume("SYNPROXY: TCP options cut by the capture (parsed as captured)");
      length = Math.max(0, captured);
    }
    int p = start;
    while (length > 0) {
      final int opcode = b.get(p++) & 0xff;
      if (opcode == 0) {
        return true;
      }
      if (opcode == 1) {
        length--;
        continue;
      }
      if (length < 2) {
        return true;
      }
      final int opsize = b.get(p++) & 0xff;
      if (opsize < 2 || opsize > length) {
        return true;
      }
      if (opcode == 2 && opsize == 4) {
        mssOption = b.getShort(p) & 0xffff;
        options |= OPT_MSS;
      } else if (opcode == 3 && opsize == 3) {
        wscale = Math.min(b.get(p) & 0xff, 14);
        options |= OPT_WSCALE;
      } else if (opcode == 8 && opsize == 10) {
        tsval = b.getInt(p);
        tsecr = b.getInt(p + 4);
        options |= OPT_TIMESTAMP;
      } else if (opcode == 4 && opsize == 2) {
        options |= OPT_SACK_PERM;
      }
      p += opsize - 2;
      length -= opsize;
    }
    return true;
  }

  /** synproxy_init_timestamp_cookie: the client's options hidden in the low bits of our timestamp. */
  private void initTimestampCookie(SynproxyTarget t, long nowNanos) {
    tsecr = tsval;
    tsval = (int) (nowNanos / 1_000_000L) & ~0x3f;
    if ((options & OPT_WSCALE) != 0) {
      tsval |= wscale;
      wscale = Math.max(0, t.wscale());
    } else {
      tsval |= 0xf;
    }
    if ((options & OPT_SACK_PERM) != 0) {
      tsval |= 1 << 4;
    }
    if ((options & OPT_ECN) != 0) {
      tsval |= 1 << 5;
    }
  }

  /** __cookie_v4_init_sequence's MSS index: the largest msstab entry the client's MSS reaches. */
  private static int cookieMssIndex(int clientMss) {
    int i = MSSTAB.length - 1;
    while (i > 0 && clientMss < MSSTAB[i]) {
      i--;
    }
    return i;
  }

  /** A cookie of our own (the kernel's hashes a secret): the MSS index in its low two bits. */
  private static int cookieFor(int client, int server, int ports, int seq, int mssIndex) {
    int x = client * 0x27d4eb2d ^ server * 0x165667b1 ^ ports * 0x9E3779B1 ^ seq;
    x ^= x >>> 16;
    x *= 0x85ebca6b;
    x ^= x >>> 13;
    return (x & ~3) | mssIndex;
  }

  private int optionsSize() {
    int size = 0;
    if ((options & OPT_MSS) != 0) {
      size += 4;
    }
    if ((options & OPT_TIMESTAMP) != 0) {
      size += 12;
    } else if ((options & OPT_SACK_PERM) != 0) {
      size += 4;
    }
    if ((options & OPT_WSCALE) != 0) {
      size += 4;
    }
    return size;
  }

  private void buildOptions(ByteBuffer b, int p) {
    if ((options & OPT_MSS) != 0) {
      b.putInt(p, 2 << 24 | 4 << 16 | (mssOption & 0xffff));
      p += 4;
    }
    if ((options & OPT_TIMESTAMP) != 0) {
      b.putInt(p, ((options & OPT_SACK_PERM) != 0 ? (4 << 24 | 2 << 16) : (1 << 24 | 1 << 16)) | 8 << 8 | 10);
      b.putInt(p + 4, tsval);
      b.putInt(p + 8, tsecr);
      p += 12;
    } else if ((options & OPT_SACK_PERM) != 0) {
      b.putInt(p, 1 << 24 | 1 << 16 | 4 << 8 | 2);
      p += 4;
    }
    if ((options & OPT_WSCALE) != 0) {
      b.putInt(p, 1 << 24 | 3 << 16 | 3 << 8 | (wscale & 0xff));
    }
  }

  // ---- the packets the proxy sends (captures without the host's packets) ------------------------

  /** Packets waiting to be sent through OUTPUT after the current one: bytes, attached entry, template. */
  private static final int QUEUE = 2;
  private final byte[][] qBuf = {new byte[128], new byte[128]};
  private final ByteBuffer[] qBb = {ByteBuffer.wrap(qBuf[0]), ByteBuffer.wrap(qBuf[1])};
  private final int[] qLen = new int[QUEUE];
  private final int[] qHandle = new int[QUEUE];
  private final int[] qCtInfo = new int[QUEUE];
  private final boolean[] qTemplate = new boolean[QUEUE];
  private int qHead;
  private int qCount;
  final PacketView view = new PacketView();

  boolean queued() {
    return qCount > 0;
  }

  /**
   * The next packet to send: wraps {@link #view} over it and returns its slot (for {@link #handleOf},
   * {@link #ctInfoOf}, {@link #templateOf}).
   */
  int next() {
    final int k = qHead;
    qHead = (qHead + 1) % QUEUE;
    qCount--;
    view.wrap(qBb[k], 0, qLen[k], qLen[k], LinkType.IPV4);
    view.decode();
    PacketWriter.fillL4Checksum(view);
    return k;
  }

  int handleOf(int k) {
    return qHandle[k];
  }

  int ctInfoOf(int k) {
    return qCtInfo[k];
  }

  boolean templateOf(int k) {
    return qTemplate[k];
  }

  /** Starts a packet of {@code tcpLen} TCP bytes from {@code src} to {@code dst} (synproxy_build_ip). */
  private ByteBuffer begin(int src, int dst, int tcpLen, int handle, int ctInfo, boolean template) {
    if (qCount == QUEUE) {
      return null;
    }
    final int k = (qHead + qCount++) % QUEUE;
    final ByteBuffer b = qBb[k];
    java.util.Arrays.fill(qBuf[k], 0, 20 + tcpLen, (byte) 0);
    final int len = 20 + tcpLen;
    b.put(0, (byte) 0x45);
    b.putShort(2, (short) len);
    b.putShort(6, (short) 0x4000); // DF
    b.put(8, (byte) engine.host.sysctlInt("net.ipv4.ip_default_ttl", 64));
    b.put(9, (byte) PacketView.IPPROTO_TCP);
    b.putInt(12, src);
    b.putInt(16, dst);
    PacketWriter.fillIpv4HeaderChecksum(b, 0, 20);
    b.put(32, (byte) ((tcpLen / 4) << 4));
    qLen[k] = len;
    qHandle[k] = handle;
    qCtInfo[k] = ctInfo;
    qTemplate[k] = template;
    return b;
  }

  /** synproxy_send_client_synack: no entry attached (the SYN was untracked), so OUTPUT tracks it. */
  private void sendClientSynack(Skb skb, int cookie) {
    final PacketView v = skb.view;
    final int tcpLen = 20 + optionsSize();
    final ByteBuffer b = begin(v.dstAddr(), v.srcAddr(), tcpLen, -1, 0, false);
    if (b == null) {
      return;
    }
    b.putShort(20, (short) v.dstPort());
    b.putShort(22, (short) v.srcPort());
    b.putInt(24, cookie);
    b.putInt(28, (int) v.tcpSeq() + 1);
    b.put(33, (byte) (PacketView.TCP_SYN | PacketView.TCP_ACK | ((options & OPT_ECN) != 0 ? 0x40 : 0)));
    buildOptions(b, 40);
  }

  /** synproxy_send_server_syn: from the client's address, with SYNPROXY's template (IP_CT_NEW). */
  private void sendServerSyn(Skb skb, int recvSeq) {
    final PacketView v = skb.view;
    final int tcpLen = 20 + optionsSize();
    final ByteBuffer b = begin(v.srcAddr(), v.dstAddr(), tcpLen, -1, 0, true);
    if (b == null) {
      return;
    }
    b.putShort(20, (short) v.srcPort());
    b.putShort(22, (short) v.dstPort());
    b.putInt(24, recvSeq - 1);
    b.putInt(28, (int) v.tcpAck() - 1); // relays the cookie to the hook
    b.put(33, (byte) (PacketView.TCP_SYN | ((options & OPT_ECN) != 0 ? 0xc0 : 0)));
    b.putShort(34, (short) v.tcpWindow());
    buildOptions(b, 40);
  }

  /** synproxy_send_server_ack: no entry attached, so OUTPUT tracks it (ESTABLISHED). */
  private void sendServerAck(Skb skb, int clientMaxwin) {
    final PacketView v = skb.view;
    final int t = tsval;
    tsval = tsecr;
    tsecr = t;
    final ByteBuffer b = begin(v.dstAddr(), v.srcAddr(), 20 + optionsSize(), -1, 0, false);
    if (b != null) {
      b.putShort(20, (short) v.dstPort());
      b.putShort(22, (short) v.srcPort());
      b.putInt(24, (int) v.tcpAck());
      b.putInt(28, (int) v.tcpSeq() + 1);
      b.put(33, (byte) PacketView.TCP_ACK);
      b.putShort(34, (short) clientMaxwin);
      buildOptions(b, 40);
    }
    tsecr = tsval;
    tsval = t;
  }

  /** synproxy_send_client_ack: the window update, carrying the entry as ESTABLISHED_REPLY. */
  private void sendClientAck(Skb skb, int handle) {
    final PacketView v = skb.view;
    final ByteBuffer b = begin(v.srcAddr(), v.dstAddr(), 20 + optionsSize(), handle,
        Ct.CTINFO_ESTABLISHED_REPLY, false);
    if (b == null) {
      return;
    }
    b.putShort(20, (short) v.srcPort());
    b.putShort(22, (short) v.dstPort());
    b.putInt(24, (int) v.tcpSeq() + 1);
    b.putInt(28, (int) v.tcpAck());
    b.put(33, (byte) PacketView.TCP_ACK);
    b.putShort(34, (short) (v.tcpWindow() >>> wscale));
    buildOptions(b, 40);
  }
}
