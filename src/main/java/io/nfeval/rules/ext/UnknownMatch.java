package io.nfeval.rules.ext;

/**
 * A match module nfeval does not know, kept under an UnknownPolicy: its raw text is printed back and
 * the engine treats it as always (MATCH) or never (NOMATCH) matching.
 */
public final class UnknownMatch implements Match {
  private final String name;
  private final String raw;
  private final boolean assumeMatch;

  public UnknownMatch(String name, String raw, boolean assumeMatch) {
    this.name = name;
    this.raw = raw;
    this.assumeMatch = assumeMatch;
  }

  @Override
  public String name() {
    return name;
  }

  /** The options as written, with a leading space (may be empty). */
  public String raw() {
    return raw;
  }

  /** What the engine should assume this match answers. */
  public boolean assumeMatch() {
    return assumeMatch;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m ").append(name).append(raw);
  }

  /** An unknown module answers what its UnknownPolicy said, flagged as an assumption. */
  @Override
  public boolean matches(PacketContext ctx) {
    ctx.assume("unknown:" + name);
    return assumeMatch;
  }
}
