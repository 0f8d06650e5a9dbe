package io.nfeval.host;

/** Route and address scopes ({@code enum rt_scope_t} in include/uapi/linux/rtnetlink.h); wider is smaller. */
public final class RouteScope {
  public static final int UNIVERSE = 0;
  public static final int SITE = 200;
  public static final int LINK = 253;
  public static final int HOST = 254;
  public static final int NOWHERE = 255;

  private RouteScope() {}

  /** Parses iproute2's scope names ({@code global}, {@code link}, {@code host}, ...) or a number; -1 if unknown. */
  public static int parse(String s) {
    switch (s) {
      case "global": case "universe": return UNIVERSE;
      case "site": return SITE;
      case "link": return LINK;
      case "host": return HOST;
      case "nowhere": return NOWHERE;
      default:
        try {
          int v = Integer.parseInt(s);
          return v >= 0 && v <= 255 ? v : -1;
        } catch (NumberFormatException e) {
          return -1;
        }
    }
  }

  public static String name(int scope) {
    switch (scope) {
      case UNIVERSE: return "global";
      case SITE: return "site";
      case LINK: return "link";
      case HOST: return "host";
      case NOWHERE: return "nowhere";
      default: return Integer.toString(scope);
    }
  }
}
