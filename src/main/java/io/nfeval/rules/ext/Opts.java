package io.nfeval.rules.ext;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The options given to one extension on one rule, in command-line order. Filled by the rule parser,
 * read once by the extension's factory.
 */
public final class Opts {
  /** One occurrence of an option. */
  public record Given(OptSpec spec, boolean inv, List<String> args) {
    public String arg() {
      return args.isEmpty() ? null : args.get(0);
    }
  }

  private final List<Given> given = new ArrayList<>();

  public void add(OptSpec spec, boolean inv, List<String> args) {
    if (!spec.multi() && has(spec.name())) {
      throw new ExtException("multiple --" + spec.name() + " flags not allowed");
    }
    if (inv && !spec.invertible()) {
      throw new ExtException("unexpected ! flag before --" + spec.name());
    }
    given.add(new Given(spec, inv, List.copyOf(args)));
  }

  public List<Given> all() {
    return Collections.unmodifiableList(given);
  }

  public boolean isEmpty() {
    return given.isEmpty();
  }

  public Given get(String name) {
    for (Given g : given) {
      if (g.spec().name().equals(name)) {
        return g;
      }
    }
    return null;
  }

  public boolean has(String name) {
    return get(name) != null;
  }

  public String str(String name) {
    final Given g = get(name);
    return g == null ? null : g.arg();
  }

  public boolean inv(String name) {
    final Given g = get(name);
    return g != null && g.inv();
  }

  /** Index of an option in command-line order, or -1. */
  public int indexOf(String name) {
    for (int i = 0; i < given.size(); i++) {
      if (given.get(i).spec().name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  public void require(String what, String... names) {
    for (String n : names) {
      if (has(n)) {
        return;
      }
    }
    throw new ExtException(what);
  }
}
