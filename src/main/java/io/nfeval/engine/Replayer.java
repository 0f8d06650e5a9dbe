package io.nfeval.engine;

import io.nfeval.host.HostModel;
import io.nfeval.host.NetInterface;
import io.nfeval.packet.LinkType;
import io.nfeval.packet.Malformed;
import io.nfeval.packet.PacketView;
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
    final PacketView v = new PacketView();
    long n = 0;
    while (reader.next(p)) {
      final int code = v.wrap(p.buffer(), p.offset(), p.capLen(), p.wireLen(), p.linkType()).decode();
      final boolean fromLocalFile = p.fileIndex() >= firstLocalFile;
      final boolean local = origins.isLocal(fromLocalFile, v);
      final String ingress = local ? null : origins.ingress(p, v);
      decode.add(p, v, code, local, ingress);
      one(p, v, code, fromLocalFile, local, ingress, n);
      n++;
      if (progress != null && (n & 4095) == 0) {
        progress.update(n);
      }
    }
    return n;
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
        engine.output(v, out, v.uid(), v.gid(), ts, index);
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
    engine.arrive(v, in, ts, index);
  }

  private void skip(long index, long ts, String entry, String in, String reason, Disposition d) {
    summary.notEvaluated(reason, d);
    if (trace != null) {
      trace.notEvaluated(index, ts, entry, in, reason, d);
    }
  }
}
