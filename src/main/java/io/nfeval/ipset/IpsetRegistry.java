package io.nfeval.ipset;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * All ipsets of a host by name. The parsed definitions are immutable; {@link #start(long)} makes the
 * mutable run-time copy a simulation works on (the SET target adds and deletes there).
 */
public final class IpsetRegistry {
  private final List<IpsetDef> defs;
  private final Map<String, IpSet> sets = new LinkedHashMap<>();

  public IpsetRegistry(List<IpsetDef> defs) {
    this(defs, 0);
  }

  private IpsetRegistry(List<IpsetDef> defs, long startMillis) {
    this.defs = List.copyOf(defs);
    for (IpsetDef d : defs) {
      final IpSet s = new IpSet(d, startMillis);
      s.registry(this);
      sets.put(d.name(), s);
    }
  }

  /** A fresh run-time state whose entry timeouts count from {@code startMillis}. */
  public IpsetRegistry start(long startMillis) {
    return new IpsetRegistry(defs, startMillis);
  }

  public List<IpsetDef> definitions() {
    return defs;
  }

  /** The set of that name, or null. */
  public IpSet get(String name) {
    return sets.get(name);
  }

  public Set<String> names() {
    return sets.keySet();
  }
}
