package io.nfeval.host;

/** The errno values the kernel's IPv4 routing returns (positive, as in include/uapi/asm-generic/errno*.h). */
public final class Errno {
  public static final int EACCES = 13;
  public static final int EXDEV = 18;
  public static final int EINVAL = 22;
  public static final int EAGAIN = 11;
  public static final int ENETUNREACH = 101;
  public static final int EHOSTUNREACH = 113;
  /** fib_rules_lookup: no rule matched; {@code __fib_lookup} turns it into ENETUNREACH. */
  static final int ESRCH = 3;

  private Errno() {}

  /** strerror text, as {@code ip route get} prints it after "RTNETLINK answers: ". */
  public static String message(int errno) {
    switch (errno) {
      case 0: return "Success";
      case EACCES: return "Permission denied";
      case EXDEV: return "Invalid cross-device link";
      case EINVAL: return "Invalid argument";
      case EAGAIN: return "Resource temporarily unavailable";
      case ENETUNREACH: return "Network is unreachable";
      case EHOSTUNREACH: return "No route to host";
      default: return "errno " + errno;
    }
  }
}
