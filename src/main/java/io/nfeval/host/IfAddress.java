package io.nfeval.host;

/**
 * One IPv4 address of an interface ({@code struct in_ifaddr}): local address, prefix, broadcast, peer (for
 * point-to-point links, {@code ifa_address} differs from {@code ifa_local}), scope, secondary flag, label.
 */
public final class IfAddress {
  private final int address;
  private final int prefixLen;
  private final int broadcast;
  private final int peer;
  private final int scope;
  private final boolean secondary;
  private final boolean noPrefixRoute;
  private final String label;

  public IfAddress(int address, int prefixLen, int broadcast, int peer, int scope, boolean secondary,
      boolean noPrefixRoute, String label) {
    if (prefixLen < 0 || prefixLen > 32) {
      throw new IllegalArgumentException("prefix length " + prefixLen);
    }
    this.address = address;
    this.prefixLen = prefixLen;
    this.broadcast = broadcast;
    this.peer = peer;
    this.scope = scope;
    this.secondary = secondary;
    this.noPrefixRoute = noPrefixRoute;
    this.label = label;
  }

  /** The local address ({@code ifa_local}). */
  public int address() {
    return address;
  }

  public int prefixLen() {
    return prefixLen;
  }

  public int mask() {
    return Inet4.mask(prefixLen);
  }

  /** The broadcast address, 0 if none was configured. */
  public int broadcast() {
    return broadcast;
  }

  /** The peer ({@code ifa_address}) of a point-to-point address, else the local address. */
  public int peer() {
    return peer;
  }

  /** Address scope ({@link RouteScope}). */
  public int scope() {
    return scope;
  }

  public boolean isSecondary() {
    return secondary;
  }

  public boolean noPrefixRoute() {
    return noPrefixRoute;
  }

  public String label() {
    return label;
  }

  /** Whether {@code addr} is in this address's subnet ({@code inet_ifa_match}, which uses ifa_address). */
  public boolean matches(int addr) {
    return ((addr ^ peer) & mask()) == 0;
  }

  @Override
  public String toString() {
    return Inet4.format(address) + "/" + prefixLen + (secondary ? " secondary" : "");
  }
}
