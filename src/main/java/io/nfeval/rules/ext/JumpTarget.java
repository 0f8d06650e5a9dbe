package io.nfeval.rules.ext;

/**
 * A jump ({@code -j CHAIN}) or goto ({@code -g CHAIN}) to a user chain. A goto does not push a return
 * address ({@code IPT_F_GOTO} in {@code ipt_do_table}).
 */
public final class JumpTarget implements Target {
  private final String chain;
  private final boolean isGoto;

  public JumpTarget(String chain, boolean isGoto) {
    this.chain = chain;
    this.isGoto = isGoto;
  }

  public String chain() {
    return chain;
  }

  public boolean isGoto() {
    return isGoto;
  }

  @Override
  public String name() {
    return chain;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(isGoto ? " -g " : " -j ").append(chain);
  }

  /** Standard targets are decided by the table evaluator itself (ipt_do_table), never executed. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("handled by the evaluator");
  }
}
