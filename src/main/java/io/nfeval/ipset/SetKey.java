package io.nfeval.ipset;

/**
 * A lookup key filled by the caller per packet (reused, never allocated per packet): the values of the
 * packet fields the {@code -m set}/{@code SET} flags pick, in set-dimension order.
 *
 * <p>For hash:ip,port,ip: {@code addr} (dim 1), {@code proto}/{@code port} (dim 2), {@code addr2}
 * (dim 3). For hash:net,iface: {@code addr} and {@code iface}. For hash:mac: {@code mac}. For bitmap:port:
 * {@code port}. ICMP "ports" are {@code type << 8 | code}.
 */
public final class SetKey {
  public int addr;
  public int proto;
  public int port;
  public int addr2;
  public long mac;
  public String iface;

  public SetKey set(int addr, int proto, int port, int addr2) {
    this.addr = addr;
    this.proto = proto;
    this.port = port;
    this.addr2 = addr2;
    return this;
  }
}
