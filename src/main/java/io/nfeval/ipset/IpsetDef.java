package io.nfeval.ipset;

import java.util.List;

/**
 * One set as {@code ipset save} printed it: the create line's type and options and its members.
 * Immutable; runtime state lives in {@link IpSet}.
 *
 * @param name set name
 * @param type set type
 * @param inet6 family inet6 (members kept but never match IPv4 packets)
 * @param timeout default timeout in seconds, or -1 when the set has no timeout support
 * @param counters whether the set keeps per-entry counters
 * @param netmask host-part mask applied to addresses (hash:ip, bitmap:ip), as a prefix length
 * @param rangeMin bitmap range start (address or port)
 * @param rangeMax bitmap range end
 * @param entries members in file order
 * @param line 1-based line of the create line
 */
public record IpsetDef(String name, SetType type, boolean inet6, long timeout, boolean counters, int netmask,
    long rangeMin, long rangeMax, List<Entry> entries, int line) {

  /**
   * One member, already encoded.
   *
   * @param lo low key word
   * @param hi high key word
   * @param cidr prefix length of the net part (32 for hosts)
   * @param cidr2 prefix length of the second net part (hash:ip,port,net)
   * @param iface interface (hash:net,iface) or member set name (list:set)
   * @param nomatch the {@code nomatch} flag (hash:net types)
   * @param timeout remaining seconds at save time, or -1
   * @param line 1-based source line
   * @param packets the element's packet counter at save time (sets with {@code counters})
   * @param bytes the element's byte counter at save time
   */
  public record Entry(long lo, long hi, int cidr, int cidr2, String iface, boolean nomatch, long timeout,
      int line, long packets, long bytes) {
    public Entry(long lo, long hi, int cidr, int cidr2, String iface, boolean nomatch, long timeout, int line) {
      this(lo, hi, cidr, cidr2, iface, nomatch, timeout, line, 0, 0);
    }

    Entry withCounters(long p, long b) {
      return new Entry(lo, hi, cidr, cidr2, iface, nomatch, timeout, line, p, b);
    }
  }
}
