package io.nfeval.source;

import io.nfeval.packet.LinkType;
import io.nfeval.packet.PacketView;

/**
 * When the kernel saw each packet of a capture: the time that rate limits, conntrack timeouts and
 * the trace use. One clock per pass over the captures, fed every record in order.
 *
 * <p>For most link types this is the record's timestamp, taken by the kernel when the packet reached
 * the tap. NFLOG records differ: libpcap ({@code pcap-netfilter-linux.c}) stamps each one with
 * {@code gettimeofday()} when it reads it from the netlink socket, so on a busy host the stamp trails
 * the hook by as long as the reader was kept waiting, and records read together get nearly one time
 * (measured on a loaded 2-core VM: a record stamped 462 ms after the packet passed, enough to turn
 * a hashlimit verdict). The kernel's own time is in the record: nfnetlink_log adds {@code
 * NFULA_TIMESTAMP} (the skb's receive timestamp, else the time of logging) at the hooks up to FORWARD.
 * A record without it (logged at OUTPUT or POSTROUTING) gets its stamp less the reading delay of the
 * last record that had both. Either way a time is never earlier than the record before's: the records
 * come in the order the hooks logged them, and the kernel's clock does not go back between them.
 */
public final class PacketClock {
  private long last = Long.MIN_VALUE;
  private long readDelay;

  /** Forgets the records seen, for a new pass from the first. */
  public void reset() {
    last = Long.MIN_VALUE;
    readDelay = 0;
  }

  /** The time of record {@code p}, whose decoded view is {@code v} (decoded as far as it goes). */
  public long timeOf(CapturedPacket p, PacketView v) {
    final long stamp = p.tsNanos();
    if (p.linkType() != LinkType.NFLOG) {
      return stamp;
    }
    long t;
    final long kernel = v.nflogTimestampNanos();
    if (kernel != PacketView.NO_TIMESTAMP) {
      t = kernel;
      readDelay = Math.max(0, stamp - kernel);
    } else {
      t = stamp - readDelay;
    }
    if (t < last) {
      t = last;
    }
    last = t;
    return t;
  }
}
