package io.nfeval.engine;

import io.nfeval.host.HostModel;
import io.nfeval.host.RouteResult;
import io.nfeval.packet.Checksums;
import io.nfeval.packet.PacketView;
import io.nfeval.packet.PacketWriter;
import java.nio.ByteBuffer;

/**
 * Builds the packets the kernel sends in answer to a rejected or undeliverable packet, for captures that
 * do not already contain them (no NFLOG OUTPUT, no --local input): REJECT's TCP RST ({@code
 * nf_send_reset}, net/ipv4/netfilter/nf_reject_ipv4.c) and ICMP errors through {@code icmp_send}
 * (net/ipv4/icmp.c): REJECT's ({@code nf_send_unreach}), ip_forward's time exceeded, fragmentation
 * needed and redirects, ip_error's unreachables. ICMP errors pass the kernel's rate limit (per
 * destination, net.ipv4.icmp_ratelimit ms with a burst of 6, loopback and fragmentation needed exempt;
 * only types in net.ipv4.icmp_ratemask); redirects and routing errors have their own limits first.
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
  /**
   * The host's ticks: the kernel keeps these buckets in jiffies (inet_peer rate_tokens/rate_last,
   * ip_error's and ip_rt_send_redirect's), so a refill comes whole ticks at a time, as nfeval's rate
   * matches count them ({@link Skb#jiffies}).
   */
  private final io.nfeval.rules.ext.Jiffies ticks;
  private final long tickPhase;
  /** msecs_to_jiffies(icmp_ratelimit). */
  private final long rateJiffies;
  private final int rateMask;
  /** ip_rt_error_cost (HZ), ip_rt_error_burst (5 * HZ), and inet_getpeer's backdating (60 * HZ). */
  private final long errorCost;
  private final long errorBurst;
  private final long newPeerAge;
  /** ip_rt_redirect_load (HZ / 50) and ip_rt_redirect_silence (load << (ip_rt_redirect_number + 1)). */
  private final long redirectLoad;
  private final long redirectSilence;
  /**
   * Per-destination token buckets (inet_peer rate_tokens and rate_last), by destination address:
   * primitive maps, so an answer allocates nothing (a boxed key and a capturing lambda did, per
   * answer).
   */
  private final LongLongMap peerTokens = new LongLongMap(NO_PEER);
  private final LongLongMap peerLast = new LongLongMap(NO_PEER);
  private static final long NO_PEER = Long.MIN_VALUE;

  /** Answers of the host {@code view} shows, counting its ticks. */
  Answers(HostView view) {
    this.host = view.host;
    this.ticks = view.ticks;
    this.tickPhase = view.tickPhase;
    this.rateJiffies = ticks.fromMillis(Math.max(0, host.icmpRatelimit()));
    this.rateMask = host.icmpRatemask();
    this.errorCost = ticks.hz;
    this.errorBurst = 5L * ticks.hz;
    this.newPeerAge = 60L * ticks.hz;
    this.redirectLoad = ticks.hz / 50;
    this.redirectSilence = redirectLoad << (REDIRECT_NUMBER + 1);
  }

  /** The kernel's jiffies at packet time {@code nowNanos}. */
  private long jiffies(long nowNanos) {
    return ticks.at(nowNanos, tickPhase);
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
    return buildIcmpError(skb, 3, code, 0, nowNanos);
  }

  /**
   * icmp_send of an error of {@code type}/{@code code} about the packet in {@code skb}, with
   * {@code info} in the header's second word (the next-hop MTU of a fragmentation-needed error,
   * ip_forward's ip_exceeds_mtu); false when the kernel would send nothing (see {@link #buildUnreach}).
   */
  boolean buildIcmpError(Skb skb, int type, int code, int info, long nowNanos) {
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
    if (src == 0 || !allow(dst, type, code, nowNanos)) {
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
    bb.put(20, (byte) type);
    bb.put(21, (byte) code);
    bb.putInt(24, info);
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

  /**
   * ip_error's token bucket per sender (net/ipv4/route.c): whether it lets the routing error's ICMP
   * message go. It is kept apart from {@link #allow}'s: on this kernel a fresh sender got four routing
   * errors 0.15 s apart with icmp_ratelimit=0 (kernel scenario forward-errors), which a bucket shared
   * with icmpv4_xrlim_allow (emptied by each error sent with a zero rate limit) would not allow.
   */
  boolean ipErrorAllow(int src, long nowNanos) {
    // ip_rt_error_cost and ip_rt_error_burst (net/ipv4/route.c): one error a second, bursts of five
    return takeToken(errorTokens, errorLast, src, jiffies(nowNanos), errorCost, errorBurst);
  }

  /** ip_rt_redirect_number. */
  private static final int REDIRECT_NUMBER = 9;

  /**
   * ip_rt_send_redirect's limit per sender: after 20 ms of silence the count restarts; then each
   * further redirect waits 20 ms &lt;&lt; (redirects sent so far), and after nine the sender gets no more
   * until it is silent for ~20 s. Whether this redirect is sent.
   */
  boolean redirectAllow(int src, long nowNanos) {
    final long now = jiffies(nowNanos);
    final long key = src & 0xffffffffL;
    long sent = redirectsSent.get(key);
    long last = redirectLast.get(key);
    if (sent == NO_PEER) {
      sent = 0;
      last = now - newPeerAge;
    }
    if (now - last > redirectSilence) {
      sent = 0;
    }
    boolean send = false;
    if (sent >= REDIRECT_NUMBER) {
      last = now;
    } else if (sent == 0 || now - last > (redirectLoad << sent)) {
      send = true;
      last = now;
      sent++;
    }
    redirectsSent.put(key, sent);
    redirectLast.put(key, last);
    return send;
  }

  private final LongLongMap redirectsSent = new LongLongMap(NO_PEER);
  private final LongLongMap redirectLast = new LongLongMap(NO_PEER);
  private final LongLongMap errorTokens = new LongLongMap(NO_PEER);
  private final LongLongMap errorLast = new LongLongMap(NO_PEER);

  /**
   * icmpv4_xrlim_allow: per-peer token bucket; types outside icmp_ratemask, fragmentation needed
   * (icmpv4_mask_allow: "Don't limit PMTU discovery") and loopback are free.
   */
  private boolean allow(int dst, int type, int code, long nowNanos) {
    if ((rateMask & (1 << type)) == 0 || (type == 3 && code == 4) || (dst >>> 24) == 127
        || host.isHostAddress(dst)) {
      return true;
    }
    return takeToken(peerTokens, peerLast, dst, jiffies(nowNanos), rateJiffies, XRLIM_BURST_FACTOR * rateJiffies);
  }

  /**
   * A per-address token bucket as inet_peer_xrlim_allow and ip_error keep it (rate_tokens and
   * rate_last): time since the last packet adds tokens up to {@code burst}, and a message costs
   * {@code cost}. A new address starts full: inet_getpeer backdates rate_last by 60 s, which fills
   * every bucket here except icmp_ratelimit's above 10 s (6 x the rate; the kernel's would start at
   * 60 s there).
   */
  private static boolean takeToken(LongLongMap tokensOf, LongLongMap lastOf, int addr, long now,
      long cost, long burst) {
    final long key = addr & 0xffffffffL;
    long tokens = tokensOf.get(key);
    if (tokens == NO_PEER) {
      tokens = burst;
    } else {
      tokens = Math.min(burst, tokens + now - lastOf.get(key));
    }
    lastOf.put(key, now);
    final boolean allowed = tokens >= cost;
    tokensOf.put(key, allowed ? tokens - cost : tokens);
    return allowed;
  }
}
