package io.nfeval.host;

/**
 * The effective IPv4 device settings routing reads, combined as the kernel's IN_DEV_* macros do
 * (include/linux/inetdevice.h), computed once per device at load so routing does no map lookups.
 */
final class DevConf {
  static final DevConf DEFAULTS = new DevConf(false, 0, false, false, true, false, true, false, false);

  /** IN_DEV_FORWARD: the device's own forwarding value. */
  final boolean forwarding;
  /** IN_DEV_RPFILTER: max(all, dev). */
  final int rpFilter;
  final boolean acceptLocal;
  final boolean routeLocalnet;
  final boolean sendRedirects;
  final boolean srcValidMark;
  final boolean sharedMedia;
  /** IN_DEV_BFORWARD: all && dev. */
  final boolean bcForwarding;
  final boolean mcForwarding;

  DevConf(boolean forwarding, int rpFilter, boolean acceptLocal, boolean routeLocalnet, boolean sendRedirects,
      boolean srcValidMark, boolean sharedMedia, boolean bcForwarding, boolean mcForwarding) {
    this.forwarding = forwarding;
    this.rpFilter = rpFilter;
    this.acceptLocal = acceptLocal;
    this.routeLocalnet = routeLocalnet;
    this.sendRedirects = sendRedirects;
    this.srcValidMark = srcValidMark;
    this.sharedMedia = sharedMedia;
    this.bcForwarding = bcForwarding;
    this.mcForwarding = mcForwarding;
  }

  static DevConf of(Sysctls s, String dev) {
    int ipForward = s.getInt("net.ipv4.ip_forward", 0);
    String fwdKey = "net.ipv4.conf." + dev + ".forwarding";
    String fwdKey2 = "net.ipv4.conf." + dev.replace('.', '/') + ".forwarding";
    boolean forwarding = s.get(fwdKey) != null ? s.getInt(fwdKey, 0) != 0
        : s.get(fwdKey2) != null ? s.getInt(fwdKey2, 0) != 0 : ipForward != 0;
    return new DevConf(forwarding,
        s.maxConf(dev, "rp_filter", 0),
        s.orConf(dev, "accept_local", 0),
        s.orConf(dev, "route_localnet", 0),
        s.orConf(dev, "send_redirects", 1),
        s.orConf(dev, "src_valid_mark", 0),
        s.orConf(dev, "shared_media", 1),
        s.andConf(dev, "bc_forwarding", 0),
        s.devConf(dev, "mc_forwarding", 0) != 0);
  }
}
