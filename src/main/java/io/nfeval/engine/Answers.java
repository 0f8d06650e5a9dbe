package io.nfeval.engine;

import io.nfeval.host.HostModel;
import io.nfeval.host.RouteResult;
import io.nfeval.packet.Checksums;
import io.nfeval.packet.PacketView;
import io.nfeval.packet.PacketWriter;
import java.nio.ByteBuffer;

/**
 * Builds the packets the kernel sends in answer to a rejected packet, for captures that do not already
 * contain them (no NFLOG OUTPUT, no --local input): REJECT's TCP RST ({@code nf_send_reset},
 * net/ipv4/netfilter/nf_reject_ipv4.c) and ICMP errors ({@code nf_send_unreach} → {@code icmp_send},
 * net/ipv4/icmp.c) with the kernel's ICMP rate limit (per destination, net.ipv4.icmp_ratelimit ms with
 * a burst of 6, loopback exempt; only types in net.ipv4.icmp_ratemask).
 */
final class Answers {
  /** ICMP errors carry at most 576 bytes (icmp_send: room = 576 - headers). */
  static final int ICMP_MAX = 576;
  private static final int XRLIM_BURST_FACTOR = 6;

  final byte[] buf = new byte[ICMP_MAX + 64];
  final ByteBuffer bb = ByteBuffer.wrap(buf);
  final PacketView view = new PacketView();
  int len;
  boolean pending;
  /** The answer is a RST (else an ICMP error). */
  boolean rst;

  private final HostModel host;
  private final RouteResult scratch = new RouteResult();
  private final long rateNanos;
  private final int rateMask;
  /**
   * Per-destination token buckets (inet_peer rate_tokens and rate_last), by destination address:
   * primitive maps, so an answer allocates nothing (a boxed key and a capturing lambda did, per
   * answer).
   */
  private final LongLongMap peerTokens = new LongLongMap(NO_PEER);
  private final LongLongMap peerLast = new LongLongMap(NO_PEER);
  private static final long NO_PEER = Long.MIN_VALUE;

  Answers(HostModel host) {
    this.host = host;
    this.rateNanos = host.icmpRatelimit() * 1_000_000L;
    this.rateMask = host.icmpRatemask();
  }

  /** nf_send_reset: a RST answering the TCP segment in {@code skb}; false when none is sent. */
  boolean buildReset(Skb skb) {
    final PacketView o = skb.view;
    pending = false;
    if (o.fragmentOffset() != 0 || !o.l4HeaderPresent() || o.protocol() != PacketView.IPPROTO_TCP) {
      return false;
    }
    if ((o.tcpFlags() & PacketView.TCP_RST) != 0) {
      return false; // never answer a RST
    }
    if (skb.hook == Hook.PREROUTING.number() && !o.l4ChecksumOk()) {
      return false; // nf_reject_ip_tcphdr_get checks the checksum
    }
    java.util.Arrays.fill(buf, 0, 40, (byte) 0);
    bb.put(0, (byte) 0x45);
    bb.putShort(2, (short) 40);
    bb.putShort(6, (short) 0x4000); // DF
    bb.put(8, (byte) 64);
    bb.put(9, (byte) PacketView.IPPROTO_TCP);
    bb.putInt(12, o.dstAddr());
    bb.putInt(16, o.srcAddr());
    bb.putShort(20, (short) o.dstPort());
    bb.putShort(22, (short) o.srcPort());
    final int flags = o.tcpFlags();
    if ((flags & PacketView.TCP_ACK) != 0) {
      bb.putInt(24, (int) o.tcpAck());
      bb.put(33, (byte) PacketView.TCP_RST);
    } else {
      final long payload = Math.max(0, o.ipLength() - o.headerLength() - o.tcpDataOffset());
      final long ack = o.tcpSeq() + ((flags & PacketView.TCP_SYN) != 0 ? 1 : 0)
          + ((flags & PacketView.TCP_FIN) != 0 ? 1 : 0) + payload;
      bb.putInt(28, (int) ack);
      bb.put(33, (byte) (PacketView.TCP_RST | PacketView.TCP_ACK));
    }
    bb.put(32, (byte) 0x50);
    len = 40;
    finish();
    rst = true;
    pending = true;
    return true;
  }

  /**
   * icmp_send of a destination-unreachable error with {@code code} about the packet in {@code skb};
   * false when the kernel would send nothing (an ICMP error about an ICMP error, a non-first fragment,
   * a broadcast, or the rate limit).
   */
  boolean buildUnreach(Skb skb, int code, long nowNanos) {
    final PacketView o = skb.view;
    pending = false;
    if (o.fragmentOffset() != 0) {
      return false;
    }
    if (o.protocol() == PacketView.IPPROTO_ICMP && (!o.l4HeaderPresent() || o.isIcmpError())) {
      return false;
    }
    if (skb.pktType != PacketView.PACKET_HOST && skb.pktType != PacketView.PACKET_OUTGOING) {
      return false; // icmp_send: only to unicast packets for us
    }
    final int dst = o.srcAddr();
    final int src = sourceFor(skb, dst);
    if (src == 0 || !allow(dst, 3, nowNanos)) {
      return false;
    }
    final int quote = Math.min(Math.min(skb.present, skb.len), ICMP_MAX - 28);
    len = 28 + quote;
    java.util.Arrays.fill(buf, 0, 28, (byte) 0);
    bb.put(0, (byte) 0x45);
    bb.putShort(2, (short) len);
    bb.put(8, (byte) 64);
    bb.put(9, (byte) PacketView.IPPROTO_ICMP);
    bb.putInt(12, src);
    bb.putInt(16, dst);
    bb.put(20, (byte) 3);
    bb.put(21, (byte) code);
    System.arraycopy(skb.data, 0, buf, 28, quote);
    final int ck = Checksums.finish(Checksums.sum(bb, 20, len - 20, 0));
    bb.putShort(22, (short) ck);
    finish();
    rst = false;
    pending = true;
    return true;
  }

  private void finish() {
    PacketWriter.fillIpv4HeaderChecksum(bb, 0, 20);
    if (rst) {
      // TCP checksum over the pseudo header
    }
    view.wrap(bb, 0, len, len, io.nfeval.packet.LinkType.IPV4);
    view.decode();
    if (view.protocol() == PacketView.IPPROTO_TCP) {
      PacketWriter.fillL4Checksum(view);
    }
  }

  /**
   * icmp_send's source: the original destination when it was one of ours (RTCF_LOCAL), else the
   * preferred source of the route back to the sender.
   */
  private int sourceFor(Skb skb, int dst) {
    final int origDst = skb.view.dstAddr();
    if (host.isHostAddress(origDst)) {
      return origDst;
    }
    final RouteResult rt = host.route(scratch, 0, dst, 0, 0, null, null);
    return rt.ok() ? rt.prefsrc() : 0;
  }

  /** icmpv4_xrlim_allow: per-peer token bucket; types outside icmp_ratemask and loopback are free. */
  private boolean allow(int dst, int type, long now) {
    if ((rateMask & (1 << type)) == 0 || (dst >>> 24) == 127 || host.isHostAddress(dst)) {
      return true;
    }
    final long key = dst & 0xffffffffL;
    long tokens = peerTokens.get(key);
    final long last = tokens == NO_PEER ? now : peerLast.get(key);
    if (tokens == NO_PEER) {
      tokens = XRLIM_BURST_FACTOR * rateNanos;
    }
    tokens += now - last;
    if (tokens > XRLIM_BURST_FACTOR * rateNanos) {
      tokens = XRLIM_BURST_FACTOR * rateNanos;
    }
    peerLast.put(key, now);
    final boolean allowed = tokens >= rateNanos;
    peerTokens.put(key, allowed ? tokens - rateNanos : tokens);
    return allowed;
  }
}
