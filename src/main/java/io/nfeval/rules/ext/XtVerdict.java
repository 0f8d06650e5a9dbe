package io.nfeval.rules.ext;

/**
 * Verdict codes as the kernel's x_tables uses them ({@code include/uapi/linux/netfilter.h},
 * {@code include/uapi/linux/netfilter/x_tables.h}): a target returns one of these.
 */
public final class XtVerdict {
  private XtVerdict() {}

  /** NF_DROP. */
  public static final int DROP = 0;
  /** NF_ACCEPT. */
  public static final int ACCEPT = 1;
  /** NF_STOLEN: the target consumed the packet. */
  public static final int STOLEN = 2;
  /** NF_QUEUE (also NFQUEUE without bypass when no listener: the kernel drops; see engine). */
  public static final int QUEUE = 3;
  /** NF_REPEAT. */
  public static final int REPEAT = 4;
  /** XT_CONTINUE: go on with the next rule (non-terminal targets: LOG, MARK, ...). */
  public static final int CONTINUE = -1;
  /** XT_RETURN: return to the calling chain (or the policy of a built-in chain). */
  public static final int RETURN = -5;

  public static String name(int v) {
    switch (v) {
      case DROP: return "DROP";
      case ACCEPT: return "ACCEPT";
      case STOLEN: return "STOLEN";
      case QUEUE: return "QUEUE";
      case REPEAT: return "REPEAT";
      case CONTINUE: return "CONTINUE";
      case RETURN: return "RETURN";
      default: return "VERDICT(" + v + ")";
    }
  }
}
