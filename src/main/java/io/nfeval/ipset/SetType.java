package io.nfeval.ipset;

/** The ipset types nfeval models ({@code ipset create NAME TYPE}). */
public enum SetType {
  HASH_IP("hash:ip", 1), HASH_NET("hash:net", 1), HASH_IP_PORT("hash:ip,port", 2),
  HASH_NET_PORT("hash:net,port", 2), HASH_IP_PORT_IP("hash:ip,port,ip", 3),
  HASH_IP_PORT_NET("hash:ip,port,net", 3), HASH_NET_IFACE("hash:net,iface", 2), HASH_MAC("hash:mac", 1),
  BITMAP_IP("bitmap:ip", 1), BITMAP_PORT("bitmap:port", 1), LIST_SET("list:set", 1);

  private final String text;
  private final int dimensions;

  SetType(String text, int dimensions) {
    this.text = text;
    this.dimensions = dimensions;
  }

  public String text() {
    return text;
  }

  /** How many packet fields a lookup uses (the {@code src,dst,...} flags of {@code -m set}). */
  public int dimensions() {
    return dimensions;
  }

  /** The type for its ipset name, or null. */
  public static SetType of(String s) {
    for (SetType t : values()) {
      if (t.text.equals(s)) {
        return t;
      }
    }
    return null;
  }

  boolean hasNet() {
    return this == HASH_NET || this == HASH_NET_PORT || this == HASH_IP_PORT_NET || this == HASH_NET_IFACE;
  }
}
