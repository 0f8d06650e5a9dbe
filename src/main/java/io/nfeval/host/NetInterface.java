package io.nfeval.host;

import java.util.List;

/**
 * A network interface of the modelled host, as {@code ip -j addr show} prints it: name, ifindex, IFF_* flags,
 * MTU, MAC, devgroup, bridge/bond master, link type, and IPv4 addresses in the kernel's list order (primaries
 * before secondaries of the same subnet, as {@code ifa_list}).
 */
public final class NetInterface {
  /** IFF_* bits of include/uapi/linux/if.h. */
  public static final int IFF_UP = 0x1;
  public static final int IFF_BROADCAST = 0x2;
  public static final int IFF_DEBUG = 0x4;
  public static final int IFF_LOOPBACK = 0x8;
  public static final int IFF_POINTOPOINT = 0x10;
  public static final int IFF_NOTRAILERS = 0x20;
  public static final int IFF_RUNNING = 0x40;
  public static final int IFF_NOARP = 0x80;
  public static final int IFF_PROMISC = 0x100;
  public static final int IFF_ALLMULTI = 0x200;
  public static final int IFF_MASTER = 0x400;
  public static final int IFF_SLAVE = 0x800;
  public static final int IFF_MULTICAST = 0x1000;
  public static final int IFF_PORTSEL = 0x2000;
  public static final int IFF_AUTOMEDIA = 0x4000;
  public static final int IFF_DYNAMIC = 0x8000;
  public static final int IFF_LOWER_UP = 0x10000;
  public static final int IFF_DORMANT = 0x20000;
  public static final int IFF_ECHO = 0x40000;

  private final String name;
  private final int index;
  private final int flags;
  private final int mtu;
  private final long mac;
  private final int group;
  private final String master;
  private final String linkType;
  private final List<IfAddress> addresses;
  /** Per-device IPv4 sysctls, combined with "all"; set once when the HostModel is built. */
  DevConf conf = DevConf.DEFAULTS;

  public NetInterface(String name, int index, int flags, int mtu, long mac, int group, String master,
      String linkType, List<IfAddress> addresses) {
    this.name = name;
    this.index = index;
    this.flags = flags;
    this.mtu = mtu;
    this.mac = mac;
    this.group = group;
    this.master = master;
    this.linkType = linkType;
    this.addresses = List.copyOf(addresses);
  }

  public String name() {
    return name;
  }

  public int index() {
    return index;
  }

  /** IFF_* bits. */
  public int flags() {
    return flags;
  }

  public boolean isUp() {
    return (flags & IFF_UP) != 0;
  }

  public boolean isLoopback() {
    return (flags & IFF_LOOPBACK) != 0;
  }

  public int mtu() {
    return mtu;
  }

  /** The 48-bit hardware address in the low bits; 0 if none. */
  public long mac() {
    return mac;
  }

  /** The devgroup number ({@code ip link set group}); 0 is "default". */
  public int group() {
    return group;
  }

  /** The master device (bridge, bond, VRF) name, or null. */
  public String master() {
    return master;
  }

  /** iproute2's link type: ether, loopback, none, ... */
  public String linkType() {
    return linkType;
  }

  /** IPv4 addresses in kernel order. */
  public List<IfAddress> addresses() {
    return addresses;
  }

  /** The first non-secondary IPv4 address, or null. */
  public IfAddress primaryAddress() {
    for (IfAddress a : addresses) {
      if (!a.isSecondary()) {
        return a;
      }
    }
    return null;
  }

  /**
   * The source address the kernel would choose on this device for {@code dst} at universe scope
   * ({@code inet_select_addr(dev, dst, RT_SCOPE_UNIVERSE)}, device part only); 0 if none.
   */
  public int primaryAddressFor(int dst) {
    return selectAddress(dst, RouteScope.UNIVERSE, RouteScope.HOST);
  }

  /** The device part of {@code inet_select_addr}; {@code localnetScope} is HOST, or LINK with route_localnet. */
  int selectAddress(int dst, int scope, int localnetScope) {
    int addr = 0;
    for (int i = 0; i < addresses.size(); i++) {
      final IfAddress ifa = addresses.get(i);
      if (ifa.isSecondary()) {
        continue;
      }
      if (Math.min(ifa.scope(), localnetScope) > scope) {
        continue;
      }
      if (dst == 0 || ifa.matches(dst)) {
        return ifa.address();
      }
      if (addr == 0) {
        addr = ifa.address();
      }
    }
    return addr;
  }

  /** {@code in_dev_select_addr}: the first primary address of at most {@code scope}, not link scope. */
  int selectAnyAddress(int scope) {
    for (int i = 0; i < addresses.size(); i++) {
      final IfAddress ifa = addresses.get(i);
      if (!ifa.isSecondary() && ifa.scope() != RouteScope.LINK && ifa.scope() <= scope) {
        return ifa.address();
      }
    }
    return 0;
  }

  /** Whether one of this device's addresses is {@code addr}. */
  public boolean hasAddress(int addr) {
    for (int i = 0; i < addresses.size(); i++) {
      if (addresses.get(i).address() == addr) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return name + "#" + index;
  }
}
