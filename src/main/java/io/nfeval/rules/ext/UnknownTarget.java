package io.nfeval.rules.ext;

/**
 * A target extension nfeval does not know, kept under an UnknownPolicy. The engine treats it as a
 * non-terminating target (like LOG) and flags the rule.
 */
public final class UnknownTarget implements Target {
  private final String name;
  private final String raw;

  public UnknownTarget(String name, String raw) {
    this.name = name;
    this.raw = raw;
  }

  @Override
  public String name() {
    return name;
  }

  public String raw() {
    return raw;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j ").append(name).append(raw);
  }

  /** An unknown target is taken as non-terminating (like LOG), flagged as an assumption. */
  @Override
  public int execute(PacketContext ctx) {
    ctx.assume("unknown:" + name);
    return XtVerdict.CONTINUE;
  }
}
