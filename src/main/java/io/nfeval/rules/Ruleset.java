package io.nfeval.rules;

import java.util.List;
import java.util.Set;

/**
 * A parsed iptables ruleset: what {@code iptables-save} prints, or the state an iptables-restore input
 * leaves behind. Immutable.
 */
public final class Ruleset {
  private final List<Table> tables;
  private final Backend backend;
  private final List<Diagnostic> diagnostics;
  private final boolean hadCounters;
  private final String file;
  private final Set<String> absentBaseChains;

  public Ruleset(List<Table> tables, Backend backend, List<Diagnostic> diagnostics, boolean hadCounters,
      String file) {
    this(tables, backend, diagnostics, hadCounters, file, Set.of());
  }

  private Ruleset(List<Table> tables, Backend backend, List<Diagnostic> diagnostics, boolean hadCounters,
      String file, Set<String> absentBaseChains) {
    this.tables = List.copyOf(tables);
    this.backend = backend;
    this.diagnostics = List.copyOf(diagnostics);
    this.hadCounters = hadCounters;
    this.file = file;
    this.absentBaseChains = Set.copyOf(absentBaseChains);
  }

  /**
   * This ruleset as loaded on a host where the built-in chains {@code absent} ({@code "table/CHAIN"},
   * {@link NftBaseChains}) do not exist in the kernel.
   */
  public Ruleset withAbsentBaseChains(Set<String> absent) {
    return new Ruleset(tables, backend, diagnostics, hadCounters, file, absent);
  }

  /**
   * Built-in chains iptables-save prints but the kernel does not have ({@code "table/CHAIN"}): iptables-nft
   * creates a built-in chain only when something names it. Such a chain has no hook: it sees no packet.
   * Empty unless the snapshot says ({@link NftBaseChains}).
   */
  public Set<String> absentBaseChains() { return absentBaseChains; }

  /** Tables in file order. */
  public List<Table> tables() { return tables; }

  /** The table of that name, or null. */
  public Table table(String name) {
    for (Table t : tables) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  public Backend backend() { return backend; }

  public List<Diagnostic> diagnostics() { return diagnostics; }

  /** Whether the input carried {@code [packets:bytes]} counters on its rules. */
  public boolean hadCounters() { return hadCounters; }

  /** The file name given to the parser. */
  public String file() { return file; }

  /**
   * The canonical iptables-save text (no header comment lines): {@code *table}, chain lines with
   * {@code [p:b]}, rules (prefixed by {@code [p:b]} when {@code withCounters}), {@code COMMIT}.
   */
  public String save(boolean withCounters) {
    final StringBuilder sb = new StringBuilder();
    for (Table t : tables) {
      sb.append('*').append(t.name()).append('\n');
      for (Chain c : t.chains()) {
        sb.append(':').append(c.name()).append(' ').append(c.builtin() ? c.policy() : "-")
            .append(" [").append(c.packets()).append(':').append(c.bytes()).append("]\n");
      }
      for (Chain c : t.chains()) {
        for (Rule r : c.rules()) {
          if (withCounters) {
            sb.append('[').append(r.packets()).append(':').append(r.bytes()).append("] ");
          }
          sb.append(r.save()).append('\n');
        }
      }
      sb.append("COMMIT\n");
    }
    return sb.toString();
  }
}
