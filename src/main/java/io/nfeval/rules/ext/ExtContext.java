package io.nfeval.rules.ext;

/**
 * What an extension may look at while it validates: the rule's protocol (for the kernel's
 * {@code proto} checks in {@code tcp_mt_check} and friends), table and chain.
 *
 * @param proto the rule's {@code -p} protocol number (0 = any)
 * @param invProto whether {@code ! -p} was given
 * @param table table name
 * @param chain chain name
 * @param matches the rule's matches (given to targets only, for checks like TCPMSS's SYN test)
 * @param hooks bit set of netfilter hooks the chain is attached to (built-in chains only; -1 = unknown,
 *     i.e. a user chain whose callers are not known at parse time)
 */
public record ExtContext(int proto, boolean invProto, String table, String chain, int hooks,
    java.util.List<Match> matches) {
  public ExtContext(int proto, boolean invProto, String table, String chain, int hooks) {
    this(proto, invProto, table, chain, hooks, java.util.List.of());
  }

  public static final int PRE_ROUTING = 1;
  public static final int LOCAL_IN = 1 << 1;
  public static final int FORWARD = 1 << 2;
  public static final int LOCAL_OUT = 1 << 3;
  public static final int POST_ROUTING = 1 << 4;

  /** True when the chain may be reached from a hook outside {@code allowed} (user chains: never checked). */
  public boolean hookOutside(int allowed) {
    return hooks != -1 && (hooks & ~allowed) != 0;
  }

  /** Throws unless the rule is {@code -p} one of {@code protos} (not inverted), as xt_check_match does. */
  public void requireProto(String ext, int... protos) {
    if (!invProto) {
      for (int p : protos) {
        if (p == proto) {
          return;
        }
      }
    }
    throw new ExtException(ext + " match: only valid for protocol " + Protocols.name(protos[0]));
  }

  public boolean tableIs(String t) {
    return table.equals(t);
  }
}
