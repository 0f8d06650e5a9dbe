package io.nfeval.rules.ext;

/** A rule without {@code -j}: it only counts, and evaluation continues with the next rule. */
public final class NoTarget implements Target {
  public static final NoTarget INSTANCE = new NoTarget();

  private NoTarget() {}

  @Override
  public String name() {
    return "";
  }

  @Override
  public void save(StringBuilder sb) {
    // nothing: iptables-save prints no -j
  }

  /** Standard targets are decided by the table evaluator itself (ipt_do_table), never executed. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("handled by the evaluator");
  }
}
