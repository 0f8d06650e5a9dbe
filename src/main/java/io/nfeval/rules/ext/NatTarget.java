package io.nfeval.rules.ext;

/**
 * What DNAT and SNAT share ({@code xt_nat.c}: one target code for both manips): nat table only, a
 * hook restriction, one {@code --to-destination}/{@code --to-source} range, and the
 * {@code --random}, {@code --random-fully}, {@code --persistent} flags, printed in that order.
 */
public abstract class NatTarget implements Target {
  private final String name;
  private final String rangeOption;
  private final NatRange range;
  private final boolean random;
  private final boolean randomFully;
  private final boolean persistent;

  NatTarget(Opts o, ExtContext c, String name, String rangeOption, int hooks, String hookText,
      boolean allowBase) {
    if (!c.tableIs("nat")) {
      throw new ExtException(name + " is only valid in the nat table");
    }
    if (c.hookOutside(hooks)) {
      throw new ExtException(name + " is only valid in " + hookText);
    }
    o.require(name + ": you must specify --" + rangeOption, rangeOption);
    this.name = name;
    this.rangeOption = rangeOption;
    range = NatRange.parse(o.str(rangeOption), c, allowBase);
    random = o.has("random");
    randomFully = o.has("random-fully");
    persistent = o.has("persistent");
  }

  /** True for DNAT (the destination manip), false for SNAT. */
  public abstract boolean destination();

  public NatRange range() { return range; }
  public boolean random() { return random; }
  public boolean randomFully() { return randomFully; }
  public boolean persistent() { return persistent; }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j ").append(name).append(" --").append(rangeOption).append(' ').append(range.text());
    if (random) {
      sb.append(" --random");
    }
    if (randomFully) {
      sb.append(" --random-fully");
    }
    if (persistent) {
      sb.append(" --persistent");
    }
  }

  /** Carried out by the engine (ExtensionRunner), which owns the state this target changes. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("target '" + name() + "' is handled by the engine");
  }
}
