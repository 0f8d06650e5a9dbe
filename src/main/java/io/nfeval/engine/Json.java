package io.nfeval.engine;

/** Tiny allocation-light JSON helpers for hot output paths (the trace). */
public final class Json {
  private Json() {}

  public static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      switch (c) {
        case '"': sb.append("\\\""); break;
        case '\\': sb.append("\\\\"); break;
        case '\n': sb.append("\\n"); break;
        case '\r': sb.append("\\r"); break;
        case '\t': sb.append("\\t"); break;
        default:
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
  }

  public static void ip(StringBuilder sb, int a) {
    sb.append('"').append((a >>> 24) & 0xff).append('.').append((a >>> 16) & 0xff).append('.')
        .append((a >>> 8) & 0xff).append('.').append(a & 0xff).append('"');
  }

  public static String ipString(int a) {
    return ((a >>> 24) & 0xff) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
  }

  public static String protoName(int p) {
    switch (p) {
      case 1: return "icmp";
      case 6: return "tcp";
      case 17: return "udp";
      case 47: return "gre";
      case 50: return "esp";
      case 51: return "ah";
      case 132: return "sctp";
      default: return Integer.toString(p);
    }
  }
}
