package io.nfeval.rules;

import io.nfeval.rules.ext.Match;
import io.nfeval.rules.ext.Target;
import java.util.List;

/**
 * One rule ({@code struct ipt_entry}): the IP header match, the matches in order, and the target.
 * Immutable; {@link #number()} is its 1-based position in its chain.
 */
public final class Rule {
  private final String chainName;
  private final int number;
  private final SourceRef source;
  private final IpMatch ip;
  private final List<Match> matches;
  private final Target target;
  private final long packets;
  private final long bytes;
  private final boolean unknown;
  private final String save;

  public Rule(String chainName, int number, SourceRef source, IpMatch ip, List<Match> matches,
      Target target, long packets, long bytes, boolean unknown) {
    this.chainName = chainName;
    this.number = number;
    this.source = source;
    this.ip = ip;
    this.matches = List.copyOf(matches);
    this.target = target;
    this.packets = packets;
    this.bytes = bytes;
    this.unknown = unknown;
    final StringBuilder sb = new StringBuilder("-A ").append(chainName);
    ip.save(sb);
    for (Match m : this.matches) {
      m.save(sb);
    }
    target.save(sb);
    this.save = sb.toString();
  }

  /** The same rule at another position or with other counters. */
  Rule with(int newNumber, long newPackets, long newBytes) {
    return new Rule(chainName, newNumber, source, ip, matches, target, newPackets, newBytes, unknown);
  }

  public String chainName() { return chainName; }
  public int number() { return number; }
  public SourceRef source() { return source; }
  public IpMatch ip() { return ip; }
  public List<Match> matches() { return matches; }
  /** Never null: a rule without {@code -j} has a {@link io.nfeval.rules.ext.NoTarget}. */
  public Target target() { return target; }
  public long packets() { return packets; }
  public long bytes() { return bytes; }
  /** True when the rule contains a module nfeval does not know, kept under an UnknownPolicy. */
  public boolean unknown() { return unknown; }

  /** The canonical {@code -A CHAIN ...} line without counters. */
  public String save() { return save; }

  /** The rule specification without {@code -A CHAIN} (used for {@code -D} by spec). */
  String spec() {
    return save.substring(3 + chainName.length());
  }

  @Override
  public String toString() {
    return save;
  }
}
