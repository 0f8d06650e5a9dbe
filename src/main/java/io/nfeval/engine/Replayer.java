package io.nfeval.engine;

import io.nfeval.host.HostModel;
import io.nfeval.host.NetInterface;
import io.nfeval.packet.LinkType;
import io.nfeval.packet.Malformed;
import io.nfeval.packet.PacketView;
import io.nfeval.rules.ext.PacketContext;
import io.nfeval.source.CaptureReader;
import io.nfeval.source.CapturedPacket;
import io.nfeval.source.DecodeSummary;
import io.nfeval.source.PacketOrigins;

/**
 * Feeds captured packets to the engine at the hook where each one entered the host's stack:
 * <ul>
 *   <li>NFLOG captures (linktype 239) name the hook: PREROUTING with the input device, or OUTPUT for
 *       packets the host sent; arrivals on {@code lo} are skipped, because the engine produces them
 *       itself from the looped-back sent packet.</li>
 *   <li>{@code --local} captures: packets the host originated, entering OUTPUT before any NAT.</li>
 *   <li>Other captures: arrivals on the interface they name (SLL2 ifindex, pcapng if_name) or
 *       {@code --in}; failing that, the interface whose MAC is the frame's destination, or the host's
 *       only non-loopback interface.</li>
 * </ul>
 */
public final class Replayer {
  /** Progress callback (packets so far), called every 4096 packets. */
  public interface Progress {
    void update(long packets);
  }

  private final Engine engine;
  private final HostModel host;
  private final PacketOrigins origins;
  private final int firstLocalFile;
  private final ReplaySummary summary;
  private final DecodeSummary decode = new DecodeSummary();
  private final TraceWriter trace;
  private final NetInterface onlyInterface;
  private long unknownIngress;

  public Replayer(Engine engine, PacketOrigins origins, int firstLocalFile, ReplaySummary summary,
      TraceWriter trace) {
    this.engine = engine;
    this.host = engine.host();
    this.origins = origins;
    this.firstLocalFile = firstLocalFile;
    this.summary = summary;
    this.trace = trace;
    NetInterface only = null;
    int n = 0;
    for (NetInterface i : host.interfaces()) {
      if (!i.isLoopback()) {
        only = i;
        n++;
      }
    }
    this.onlyInterface = n == 1 ? only : null;
  }

  public DecodeSummary decodeSummary() {
    return decode;
  }

  public long unknownIngress() {
    return unknownIngress;
  }

  /** Replays every packet of the reader. Returns the number of packets read. */
  public long run(CaptureReader reader, Progress progress) {
    final CapturedPacket p = new CapturedPacket();
    long n = 0;
    while (reader.next(p)) {
      feed(p, n);
      n++;
      if (progress != null && (n & 4095) == 0) {
        progress.update(n);
      }
    }
    return n;
  }

  private final PacketView feedView = new PacketView();

  /**
   * Decodes one captured packet and runs it through the engine at its entry hook (packet
   * {@code index} of the run). For live capture and replay alike; single-threaded.
   */
  public void feed(CapturedPacket p, long index) {
    final PacketView v = feedView;
    final int code = v.wrap(p.buffer(), p.offset(), p.capLen(), p.wireLen(), p.linkType()).decode();
    final boolean fromLocalFile = p.fileIndex() >= firstLocalFile;
    final boolean local = origins.isLocal(fromLocalFile, v);
    final String ingress = local ? null : origins.ingress(p, v);
    decode.add(p, v, code, local, ingress);
    one(p, v, code, fromLocalFile, local, ingress, index);
  }

  private void one(CapturedPacket p, PacketView v, int code, boolean fromLocalFile, boolean local,
      String ingress, long index) {
    final long ts = p.tsNanos();
    if (code != Malformed.OK || !v.isIpv4()) {
      final String reason = code != Malformed.OK ? Malformed.name(code)
          : v.isIpv6() ? "ipv6 (not evaluated yet)" : "not ipv4";
      skip(index, ts, local ? "OUTPUT" : "PREROUTING", ingress, reason, Disposition.NOT_EVALUATED);
      return;
    }
    if (v.linkType() == LinkType.NFLOG) {
      engine.capturesHoldHostPackets();
      final int hook = v.nflogHook();
      if (hook == PacketView.NF_INET_LOCAL_OUT) {
        final NetInterface out = v.outIfindex() > 0 ? host.byIndex(v.outIfindex()) : null;
        outputWithSocket(v, out, ts, index);
        return;
      }
      if (hook != PacketView.NF_INET_PRE_ROUTING) {
        skip(index, ts, null, ingress, "nflog hook " + hook + " is not an entry point",
            Disposition.NOT_EVALUATED);
        return;
      }
      final NetInterface in = v.inIfindex() > 0 ? host.byIndex(v.inIfindex()) : null;
      if (in != null && in.isLoopback()) {
        skip(index, ts, "PREROUTING", in.name(), "arrival on lo (produced from the sent packet)",
            Disposition.LOOPBACK_SKIPPED);
        return;
      }
      if (in == null) {
        unknownIngress++;
        skip(index, ts, "PREROUTING", null, "unknown input device ifindex " + v.inIfindex(),
            Disposition.NOT_EVALUATED);
        return;
      }
      if (host.isHostAddress(v.srcAddr()) && isBroadcastOrMulticast(v.dstAddr(), in)) {
        engine.arriveLooped(v, in, ts, index); // the host's own broadcast/multicast, looped back
        return;
      }
      engine.arrive(v, in, ts, index);
      return;
    }
    if (fromLocalFile) {
      engine.output(v, null, -1, -1, ts, index);
      return;
    }
    if (v.sllPacketType() == PacketView.PACKET_OUTGOING) {
      skip(index, ts, null, ingress, "outgoing packet in an arrival capture (seen after NAT)",
          Disposition.NOT_EVALUATED);
      return;
    }
    NetInterface in = ingress != null ? host.byName(ingress) : null;
    if (in == null && v.hasDstMac()) {
      final long dst = v.dstMac();
      for (NetInterface i : host.interfaces()) {
        if (i.mac() == dst && !i.isLoopback()) {
          in = i;
          break;
        }
      }
    }
    if (in == null && ingress == null) {
      in = onlyInterface;
    }
    if (in == null) {
      unknownIngress++;
      skip(index, ts, "PREROUTING", ingress,
          ingress == null ? "unknown ingress interface (give --in)"
              : "ingress interface '" + ingress + "' is not in the snapshot",
          Disposition.NOT_EVALUATED);
      return;
    }
    if (in.isLoopback()) {
      skip(index, ts, "PREROUTING", in.name(), "arrival on lo (produced from the sent packet)",
          Disposition.LOOPBACK_SKIPPED);
      return;
    }
    if (v.hasMac() && in.mac() != 0 && v.srcMac() == in.mac()) {
      // A frame the host itself sent out of this interface (tcpdump -i IF sees both directions):
      // it already went through OUTPUT/FORWARD and POSTROUTING, after NAT.
      skip(index, ts, null, in.name(), "outgoing packet in an arrival capture (seen after NAT)",
          Disposition.NOT_EVALUATED);
      return;
    }
    engine.arrive(v, in, ts, index);
  }

  /**
   * What an NFLOG record tells of the sending socket (xt_owner's view). nfnetlink_log adds NFULA_UID
   * only for a full socket with a file; without it:
   * <ul>
   *   <li>a SYN/ACK was sent by a request socket: xt_owner sees its listener, whose uid the other
   *       packets of that local address and port tell (learned in a first pass);</li>
   *   <li>RSTs and ICMP messages without uid come from the stack's control sockets (a socket, no
   *       file);</li>
   *   <li>TCP without uid otherwise comes from a socket its process has closed (orphaned: no socket
   *       for xt_owner);</li>
   *   <li>anything else is unknown and decided by the --assume policy.</li>
   * </ul>
   */
  private void outputWithSocket(PacketView v, NetInterface out, long ts, long index) {
    if (v.uid() >= 0) {
      engine.output(v, out, PacketContext.SOCKET_FULL, v.uid(), v.gid(), ts, index);
      return;
    }
    final int proto = v.protocol();
    int kind = PacketContext.SOCKET_UNKNOWN;
    int uid = -1;
    int gid = -1;
    if (proto == PacketView.IPPROTO_TCP && v.l4HeaderPresent()) {
      final int flags = v.tcpFlags();
      if ((flags & (PacketView.TCP_SYN | PacketView.TCP_ACK)) == (PacketView.TCP_SYN | PacketView.TCP_ACK)) {
        final long owner = owners.get(ownerKey(proto, v.srcAddr(), v.srcPort()));
        if (owner != NO_OWNER) {
          kind = PacketContext.SOCKET_FULL;
          uid = (int) (owner >>> 32);
          gid = (int) owner;
        }
      } else if ((flags & PacketView.TCP_RST) != 0) {
        kind = PacketContext.SOCKET_KERNEL;
      } else {
        kind = PacketContext.SOCKET_NONE;
      }
    } else if (proto == PacketView.IPPROTO_ICMP) {
      kind = PacketContext.SOCKET_KERNEL;
    }
    engine.output(v, out, kind, uid, gid, ts, index);
  }

  private static final long NO_OWNER = Long.MIN_VALUE;
  private final io.nfeval.engine.LongLongMap owners = new io.nfeval.engine.LongLongMap(NO_OWNER);

  static long ownerKey(int proto, int addr, int port) {
    return ((long) proto << 48) ^ ((addr & 0xffffffffL) << 16) ^ port;
  }

  /**
   * First pass over an NFLOG capture: the uid/gid of each local (protocol, address, port) as the
   * records that carry NFULA_UID tell it, so that a listener's SYN/ACKs get their owner.
   */
  public void learnOwners(CaptureReader reader) {
    prescan(reader, true, null);
  }

  /**
   * First pass over the captures: listeners' owners (for --uid-owner on SYN/ACKs) and the ports
   * remote hosts answered on (the kernel's choice for clashing NAT bindings).
   */
  public void prescan(CaptureReader reader, boolean owners, ReplyPortIndex replyPorts) {
    final CapturedPacket p = new CapturedPacket();
    final PacketView v = new PacketView();
    while (reader.next(p)) {
      if (v.wrap(p.buffer(), p.offset(), p.capLen(), p.wireLen(), p.linkType()).decode() != Malformed.OK
          || !v.isIpv4() || !v.l4HeaderPresent()
          || (v.protocol() != PacketView.IPPROTO_TCP && v.protocol() != PacketView.IPPROTO_UDP)) {
        continue;
      }
      final boolean nflog = v.linkType() == LinkType.NFLOG;
      if (nflog && v.nflogHook() == PacketView.NF_INET_PRE_ROUTING && v.physInIfindex() > 0
          && v.hasMac()) {
        engine.learnBridgePort(v.srcMac(), host.byIndex(v.physInIfindex()));
      }
      if (owners && nflog && v.nflogHook() == PacketView.NF_INET_LOCAL_OUT && v.uid() >= 0) {
        final long key = ownerKey(v.protocol(), v.srcAddr(), v.srcPort());
        if (this.owners.get(key) == NO_OWNER) {
          this.owners.put(key, ((long) v.uid() << 32) | (v.gid() & 0xffffffffL));
        }
      }
      if (replyPorts != null && p.fileIndex() < firstLocalFile
          && (!nflog || v.nflogHook() == PacketView.NF_INET_PRE_ROUTING)
          && host.isHostAddress(v.dstAddr())) {
        replyPorts.add(v.protocol(), v.srcAddr(), v.srcPort(), v.dstAddr(), v.dstPort(), p.tsNanos());
      }
    }
  }

  private boolean isBroadcastOrMulticast(int dst, NetInterface in) {
    return (dst & 0xf0000000) == 0xe0000000 || dst == -1
        || host.addrType(dst, in) == io.nfeval.host.RouteType.BROADCAST;
  }

  private void skip(long index, long ts, String entry, String in, String reason, Disposition d) {
    summary.notEvaluated(reason, d);
    if (trace != null) {
      trace.notEvaluated(index, ts, entry, in, reason, d);
    }
  }
}
