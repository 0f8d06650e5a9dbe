package io.nfeval.rules.ext;

/**
 * The standard verdicts ({@code XT_STANDARD_TARGET} with a negative verdict): ACCEPT, DROP, RETURN,
 * QUEUE.
 */
public final class VerdictTarget implements Target {
  /** The four absolute verdicts. */
  public enum Verdict { ACCEPT, DROP, RETURN, QUEUE }

  public static final VerdictTarget ACCEPT = new VerdictTarget(Verdict.ACCEPT);
  public static final VerdictTarget DROP = new VerdictTarget(Verdict.DROP);
  public static final VerdictTarget RETURN = new VerdictTarget(Verdict.RETURN);
  public static final VerdictTarget QUEUE = new VerdictTarget(Verdict.QUEUE);

  private final Verdict verdict;

  private VerdictTarget(Verdict verdict) {
    this.verdict = verdict;
  }

  /** The verdict for a name, or null when the name is not a standard verdict. */
  public static VerdictTarget of(String name) {
    return switch (name) {
      case "ACCEPT" -> ACCEPT;
      case "DROP" -> DROP;
      case "RETURN" -> RETURN;
      case "QUEUE" -> QUEUE;
      default -> null;
    };
  }

  public Verdict verdict() {
    return verdict;
  }

  @Override
  public String name() {
    return verdict.name();
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j ").append(verdict.name());
  }

  /** Standard targets are decided by the table evaluator itself (ipt_do_table), never executed. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("handled by the evaluator");
  }
}
