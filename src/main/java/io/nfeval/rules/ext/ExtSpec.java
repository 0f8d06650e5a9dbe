package io.nfeval.rules.ext;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The declaration of one extension: its name, its option table, and the factory that validates the
 * given options and builds the immutable match or target (iptables' {@code struct xtables_match} with
 * {@code x6_options}, {@code x6_parse} and {@code x6_fcheck} folded into one constructor).
 *
 * @param <T> {@link Match} or {@link Target}
 */
public final class ExtSpec<T> {
  /** Builds the extension from its options; throws {@link ExtException} when they are invalid. */
  @FunctionalInterface
  public interface Factory<T> {
    T create(Opts opts, ExtContext ctx);
  }

  private final String name;
  private final List<OptSpec> options;
  private final Map<String, OptSpec> byName = new HashMap<>();
  private final Factory<T> factory;

  public ExtSpec(String name, List<OptSpec> options, Factory<T> factory) {
    this(name, options, Map.of(), factory);
  }

  /** With option aliases (alternative long names, e.g. {@code source-port} for {@code sport}). */
  public ExtSpec(String name, List<OptSpec> options, Map<String, String> aliases, Factory<T> factory) {
    this.name = name;
    this.options = List.copyOf(options);
    this.factory = factory;
    for (OptSpec o : options) {
      byName.put(o.name(), o);
    }
    aliases.forEach((alias, real) -> byName.put(alias, byName.get(real)));
  }

  public String name() {
    return name;
  }

  public List<OptSpec> options() {
    return options;
  }

  /** The option of that exact long name (or alias), or null. */
  public OptSpec option(String longName) {
    return byName.get(longName);
  }

  /** All long names including aliases, for getopt-style unique-prefix matching. */
  public java.util.Set<String> optionNames() {
    return byName.keySet();
  }

  public T create(Opts opts, ExtContext ctx) {
    return factory.create(opts, ctx);
  }
}
