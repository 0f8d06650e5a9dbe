package io.nfeval.rules;

import io.nfeval.InputException;
import io.nfeval.rules.ext.ExtException;
import io.nfeval.rules.ext.JumpTarget;
import io.nfeval.rules.ext.Num;
import io.nfeval.rules.ext.Target;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads iptables-save output or iptables-restore input ({@code iptables/iptables-restore.c}):
 * {@code *table} blocks ending in {@code COMMIT}, chain lines {@code :NAME POLICY [p:b]}, and commands
 * -A -I -D -R -N -X -F -Z -P -E with optional {@code [p:b]} counter prefixes. Bad input gives an
 * {@link InputException} naming file and line.
 */
public final class RulesetParser {
  private final String file;
  private final ParseOptions options;
  private final Map<String, TableBuilder> tables = new LinkedHashMap<>();
  private final List<Diagnostic> diagnostics = new ArrayList<>();
  private Backend backend = Backend.UNKNOWN;
  private boolean hadCounters;
  private TableBuilder current;
  private int line;

  private RulesetParser(String file, ParseOptions options) {
    this.file = file;
    this.options = options;
  }

  public static Ruleset parse(Path path) {
    return parse(path, ParseOptions.DEFAULT);
  }

  public static Ruleset parse(Path path, ParseOptions options) {
    final String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException | java.io.UncheckedIOException e) {
      throw InputException.ofFile(path, "cannot read: " + e.getMessage(), e);
    }
    return parse(text, path.toString(), options);
  }

  public static Ruleset parse(String text, String fileName, ParseOptions options) {
    return new RulesetParser(fileName, options).run(text);
  }

  private Ruleset run(String text) {
    final String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      line = i + 1;
      try {
        line(lines[i]);
      } catch (ExtException | IllegalArgumentException e) {
        throw InputException.atLine(file, line, e.getMessage());
      } catch (IndexOutOfBoundsException | ArithmeticException e) {
        // safety net: bad input must never crash the tool
        throw InputException.atLine(file, line, "malformed line (" + e.getClass().getSimpleName() + ")");
      }
    }
    if (current != null) {
      throw InputException.atLine(file, line, "COMMIT expected for table " + current.name);
    }
    final List<Table> out = new ArrayList<>();
    for (TableBuilder t : tables.values()) {
      out.add(t.build());
    }
    return new Ruleset(out, backend, diagnostics, hadCounters, file);
  }

  private void refusedByRestore(String message) {
    diagnostics.add(new Diagnostic(here(), message, Diagnostic.Kind.REFUSED_BY_RESTORE));
  }

  /** What surrounds {@code stripped} in {@code raw}: a CR line end (CRLF file) or blanks, leading or trailing. */
  private static String around(String raw, String stripped) {
    final int at = raw.indexOf(stripped);
    final String before = raw.substring(0, at);
    final String after = raw.substring(at + stripped.length());
    final String tail = after.equals("\r") ? "a CR line end (a CRLF file)"
        : after.isEmpty() ? null : "trailing blanks";
    final String head = before.isEmpty() ? null : "leading blanks";
    return head == null ? tail : tail == null ? head : head + " and " + tail;
  }

  private SourceRef here() {
    return new SourceRef(file, line);
  }

  private void line(String raw) {
    String s = raw.strip();
    if (s.isEmpty()) {
      return;
    }
    if (s.startsWith("#")) {
      final Backend b = Backend.fromComment(s);
      if (b != null && backend == Backend.UNKNOWN) {
        backend = b;
      }
      return;
    }
    if (s.startsWith("*")) {
      // iptables-restore takes the table name up to a blank (space, tab): a CR line end stays in the
      // name, and a line that does not start with '*' is no table line (measured with 1.8.9: "table
      // name 'filter' invalid", "line 1 failed"; trailing blanks load)
      final String restoreName = raw.substring(raw.indexOf('*') + 1).split("[ \t]", 2)[0];
      if (!raw.startsWith("*")) {
        refusedByRestore("table line with leading blanks: iptables-restore 1.8.9 refuses it (\"line failed\")");
      } else if (restoreName.indexOf('\r') >= 0) {
        refusedByRestore("table line with a CR line end (a CRLF file): iptables-restore 1.8.9 refuses it"
            + " (\"table name invalid\")");
      }
      if (current != null) {
        throw new ExtException("table " + s.substring(1) + " started before COMMIT of " + current.name);
      }
      final String name = s.substring(1).strip();
      if (Builtins.chains(name) == null) {
        throw new ExtException("can't initialize iptables table `" + name + "': Table does not exist");
      }
      current = tables.get(name);
      if (current == null || !options.noflush()) {
        current = new TableBuilder(name, here());
        tables.remove(name);
        tables.put(name, current);
      }
      return;
    }
    if (current == null) {
      throw new ExtException("no table specified (line outside a *table ... COMMIT block)");
    }
    if (s.equals("COMMIT")) {
      if (!raw.equals(s)) {
        // iptables-restore compares the whole line with "COMMIT\n"; anything else is read as a rule
        refusedByRestore("COMMIT with " + around(raw, s)
            + ": iptables-restore 1.8.9 refuses it (\"Bad argument `COMMIT'\")");
      }
      current.commit();
      current = null;
      return;
    }
    if (s.startsWith(":")) {
      chainLine(s);
      return;
    }
    long[] counters = null;
    if (s.startsWith("[")) {
      final int end = s.indexOf(']');
      if (end < 0) {
        throw new ExtException("bad counter prefix");
      }
      counters = counters(s.substring(0, end + 1));
      s = s.substring(end + 1).strip();
      hadCounters = true;
    }
    final List<String> args = Tokenizer.split(s);
    if (raw.endsWith("\r") && !args.isEmpty()) {
      crLineEnd(raw, args);
    }
    command(args, counters);
  }

  /** Options whose argument iptables takes as free text: a CR ending it stays in it and the line loads. */
  private static final java.util.Set<String> TEXT_OPTIONS = java.util.Set.of("-i", "--in-interface", "-o",
      "--out-interface", "--physdev-in", "--physdev-out", "--comment", "--log-prefix", "--nflog-prefix");
  private static final java.util.Set<String> INTERFACE_OPTIONS = java.util.Set.of("-i", "--in-interface", "-o",
      "--out-interface", "--physdev-in", "--physdev-out");

  /**
   * A command line of a CRLF file. iptables-restore splits arguments on blanks and newlines only
   * (add_param_to_argv), so the CR stays in the last argument. Where that argument is free text (an
   * interface name, a comment, a log prefix) the rule loads with the CR in it, and an interface name
   * ending in CR matches no interface: nfeval keeps the CR there too. Anywhere else the value is
   * refused, and with it the file. Measured with iptables-restore 1.8.9: "Invalid target name
   * `ACCEPT\r'", "invalid port/service", "host/network not found", "Bad state", "trailing garbage";
   * "Bad argument" when the CR follows a blank or a closing quote; "-A INPUT\r": "No chain/target/match
   * by that name"; {@code -i eth0\r}, {@code --physdev-in}, {@code --comment x\r}, {@code --log-prefix
   * x\r} load (iptables-save prints {@code -i eth0^M}, {@code --comment "x^M"}).
   */
  private void crLineEnd(String raw, List<String> args) {
    final String body = raw.substring(0, raw.length() - 1);
    final int n = args.size();
    final String last = args.get(n - 1);
    final boolean alone = body.endsWith(" ") || body.endsWith("\t") || body.endsWith("\"")
        || body.endsWith("'") || body.endsWith("\r");
    String option = n >= 2 ? args.get(n - 2) : "";
    if (option.equals("!") && n >= 3) {
      option = args.get(n - 3); // iptables 1.4's "-i ! eth0"
    }
    if (!alone && TEXT_OPTIONS.contains(option)) {
      args.set(n - 1, last + "\r");
      if (INTERFACE_OPTIONS.contains(option)) {
        diagnostics.add(new Diagnostic(here(), "interface name `" + last + "\\r' of " + option
            + " ends in the CR of a CRLF file: the kernel loads the rule with that name, and it matches no"
            + " interface", Diagnostic.Kind.LOADS_OTHERWISE));
      }
      return;
    }
    refusedByRestore("rule line with a CR line end (a CRLF file): iptables-restore 1.8.9 refuses it (the CR"
        + (alone ? " is an argument of its own: \"Bad argument\")" : " stays in its last argument, `" + last + "\\r')"));
  }

  private static long[] counters(String s) {
    if (!s.startsWith("[") || !s.endsWith("]")) {
      throw new ExtException("invalid counters \"" + s + "\"");
    }
    final String[] pb = s.substring(1, s.length() - 1).split(":", -1);
    if (pb.length != 2) {
      throw new ExtException("invalid counters \"" + s + "\"");
    }
    final long p = Num.tryUnsigned(pb[0]);
    final long b = Num.tryUnsigned(pb[1]);
    if (p < 0 || b < 0) {
      throw new ExtException("invalid counters \"" + s + "\"");
    }
    return new long[] {p, b};
  }

  private void chainLine(String s) {
    final String[] f = s.substring(1).strip().split("\\s+");
    final String name = f[0];
    if (name.isEmpty() || name.length() > 28) {
      throw new ExtException("invalid chain name `" + name + "'");
    }
    String policy = f.length > 1 ? f[1] : "-";
    String ctr = f.length > 2 ? f[2] : null;
    if (policy.startsWith("[") && ctr == null) {
      ctr = policy; // ":foo [0:0]": the policy field left out
      policy = "-";
    }
    long[] c = {0, 0};
    if (ctr != null) {
      c = counters(ctr);
    }
    if (f.length > 3) {
      throw new ExtException("unexpected text after chain counters");
    }
    if (Builtins.isBuiltin(current.name, name)) {
      if (policy.equals("-")) {
        policy = current.chains.get(name).policy; // "-" keeps the policy (iptables-restore)
      }
      if (!policy.equals("ACCEPT") && !policy.equals("DROP")) {
        throw new ExtException("invalid policy `" + policy + "' for built-in chain " + name);
      }
      current.policy(name, policy, c[0], c[1], here());
    } else {
      if (!policy.equals("-")) {
        throw new ExtException("user chain " + name + " cannot have a policy (" + policy + ")");
      }
      current.declare(name, c[0], c[1], here(), true);
    }
  }

  private void command(List<String> a, long[] prefixCounters) {
    if (a.isEmpty()) {
      return;
    }
    int k = 0;
    // -4/-6 may precede the command (iptables-restore ignores -6 lines)
    while (k < a.size() && (a.get(k).equals("-4") || a.get(k).equals("-6")
        || a.get(k).equals("--ipv4") || a.get(k).equals("--ipv6"))) {
      if (a.get(k).endsWith("6")) {
        diagnostics.add(new Diagnostic(here(), "IPv6-only line (-6) skipped"));
        return;
      }
      k++;
    }
    if (k >= a.size()) {
      throw new ExtException("no command after -4/-6");
    }
    final String cmd = a.get(k++);
    final String chain = k < a.size() ? a.get(k) : null;
    switch (cmd) {
      case "-A", "--append" -> addRule(a, k + 1, need(chain), -1, prefixCounters);
      case "-I", "--insert" -> {
        int at = 1;
        int start = k + 1;
        if (start < a.size() && a.get(start).matches("\\d+")) {
          at = Integer.parseInt(a.get(start));
          start++;
        }
        addRule(a, start, need(chain), at, prefixCounters);
      }
      case "-R", "--replace" -> {
        if (k + 1 >= a.size() || !a.get(k + 1).matches("\\d+")) {
          throw new ExtException("-R needs a rule number");
        }
        final int n = Integer.parseInt(a.get(k + 1));
        current.existing(need(chain)).remove(n, chain);
        addRule(a, k + 2, chain, n, prefixCounters);
      }
      case "-D", "--delete" -> {
        final ChainBuilder c = current.existing(need(chain));
        if (k + 1 < a.size() && a.get(k + 1).matches("\\d+") && k + 2 == a.size()) {
          c.remove(Integer.parseInt(a.get(k + 1)), chain);
        } else {
          final RuleParser.Parsed p = RuleParser.parse(a, k + 1, current.name, chain, options);
          for (IpMatch ip : p.ips()) {
            final String spec = new Rule(chain, 0, here(), ip, p.matches(), p.target(), 0, 0, false)
                .spec();
            c.removeSpec(spec, chain);
          }
        }
      }
      case "-N", "--new-chain" -> {
        if (current.chains.containsKey(need(chain))) {
          throw new ExtException("chain " + chain + " already exists");
        }
        current.declare(chain, 0, 0, here(), false);
      }
      case "-X", "--delete-chain" -> current.delete(chain);
      case "-F", "--flush" -> current.flush(chain);
      case "-Z", "--zero" -> current.zero(chain);
      case "-P", "--policy" -> {
        if (k + 1 >= a.size()) {
          throw new ExtException("-P needs a policy");
        }
        final String pol = a.get(k + 1);
        if (!Builtins.isBuiltin(current.name, need(chain))) {
          throw new ExtException("bad built-in chain name " + chain);
        }
        if (!pol.equals("ACCEPT") && !pol.equals("DROP")) {
          throw new ExtException("bad policy name " + pol);
        }
        final ChainBuilder c = current.existing(chain);
        c.policy = pol;
      }
      case "-E", "--rename-chain" -> {
        if (k + 1 >= a.size()) {
          throw new ExtException("-E needs a new name");
        }
        current.rename(need(chain), a.get(k + 1));
      }
      case "-t", "--table" -> throw new ExtException("the -t option cannot be used in iptables-restore input");
      default -> throw new ExtException("unknown command " + cmd + " (only -A -I -D -R -N -X -F -Z -P -E are"
          + " allowed in iptables-restore input)");
    }
  }

  private static String need(String chain) {
    if (chain == null || chain.startsWith("-") && chain.length() > 1) {
      throw new ExtException("missing chain name");
    }
    return chain;
  }

  private void addRule(List<String> a, int start, String chain, int at, long[] prefix) {
    for (int i = start; i < a.size(); i++) {
      if (a.get(i).equals("-t") || a.get(i).equals("--table")) {
        throw new ExtException("the -t option cannot be used in iptables-restore input");
      }
    }
    final ChainBuilder c = current.existing(chain);
    final RuleParser.Parsed p = RuleParser.parse(a, start, current.name, chain, options);
    if (p.ipv6Only()) {
      diagnostics.add(new Diagnostic(here(), "IPv6-only rule (-6) skipped"));
      return;
    }
    long[] cnt = prefix != null ? prefix : p.counters();
    if (p.counters() != null) {
      hadCounters = true;
      cnt = p.counters();
    }
    if (!p.intrapositioned().isEmpty()) {
      final String o = p.intrapositioned().get(0);
      diagnostics.add(new Diagnostic(here(), "intrapositioned negation of "
          + String.join(", ", p.intrapositioned()) + " (`" + o + " ! VALUE`): read as `! " + o
          + " VALUE`, as iptables 1.4 did; iptables-restore 1.8.9 refuses this line",
          Diagnostic.Kind.REFUSED_BY_RESTORE));
    }
    if (p.unknown()) {
      diagnostics.add(new Diagnostic(here(), "rule with unknown module kept (assumed to "
          + (options.unknown() == ParseOptions.UnknownPolicy.MATCH ? "match" : "not match") + ")"));
    }
    int pos = at;
    for (IpMatch ip : p.ips()) {
      final Rule r = new Rule(chain, 0, here(), ip, p.matches(), p.target(),
          cnt == null ? 0 : cnt[0], cnt == null ? 0 : cnt[1], p.unknown());
      if (pos < 0) {
        c.rules.add(r);
      } else {
        if (pos < 1 || pos > c.rules.size() + 1) {
          throw new ExtException("index of insertion too big");
        }
        c.rules.add(pos - 1, r);
        pos++;
      }
    }
  }

  /** A chain being built. */
  private static final class ChainBuilder {
    String name;
    final boolean builtin;
    String policy;
    long packets;
    long bytes;
    final List<Rule> rules = new ArrayList<>();
    SourceRef source;

    ChainBuilder(String name, boolean builtin, String policy, SourceRef source) {
      this.name = name;
      this.builtin = builtin;
      this.policy = policy;
      this.source = source;
    }

    void remove(int n, String chain) {
      if (n < 1 || n > rules.size()) {
        throw new ExtException("index of deletion too big (chain " + chain + " has " + rules.size()
            + " rules)");
      }
      rules.remove(n - 1);
    }

    void removeSpec(String spec, String chain) {
      for (int i = 0; i < rules.size(); i++) {
        if (rules.get(i).spec().equals(spec)) {
          rules.remove(i);
          return;
        }
      }
      throw new ExtException("bad rule (does a matching rule exist in chain " + chain + "?)");
    }

    Chain build() {
      final List<Rule> numbered = new ArrayList<>(rules.size());
      for (int i = 0; i < rules.size(); i++) {
        final Rule r = rules.get(i);
        numbered.add(r.chainName().equals(name) && r.number() == i + 1 ? r
            : new Rule(name, i + 1, r.source(), r.ip(), r.matches(), r.target(), r.packets(),
                r.bytes(), r.unknown()));
      }
      return new Chain(name, builtin, builtin ? policy : null, packets, bytes, numbered, source);
    }
  }

  /** A table being built. */
  private final class TableBuilder {
    final String name;
    final SourceRef source;
    final Map<String, ChainBuilder> chains = new LinkedHashMap<>();

    TableBuilder(String name, SourceRef source) {
      this.name = name;
      this.source = source;
      for (String c : Builtins.chains(name)) {
        chains.put(c, new ChainBuilder(c, true, "ACCEPT", null));
      }
    }

    void policy(String chain, String policy, long p, long b, SourceRef at) {
      final ChainBuilder c = chains.get(chain);
      c.policy = policy;
      c.packets = p;
      c.bytes = b;
      c.source = at;
      if (!options.noflush()) {
        c.rules.clear();
      }
    }

    void declare(String chain, long p, long b, SourceRef at, boolean flushExisting) {
      ChainBuilder c = chains.get(chain);
      if (c == null) {
        c = new ChainBuilder(chain, false, null, at);
        chains.put(chain, c);
      } else if (flushExisting) {
        c.rules.clear();
      }
      c.packets = p;
      c.bytes = b;
    }

    ChainBuilder existing(String chain) {
      final ChainBuilder c = chains.get(chain);
      if (c == null) {
        throw new ExtException("chain " + chain + " does not exist (declare it with :" + chain
            + " - [0:0] or -N " + chain + ")");
      }
      return c;
    }

    void delete(String chain) {
      if (chain == null) {
        chains.values().removeIf(c -> !c.builtin);
        return;
      }
      final ChainBuilder c = existing(chain);
      if (c.builtin) {
        throw new ExtException("cannot delete built-in chain " + chain);
      }
      chains.remove(chain);
    }

    void flush(String chain) {
      if (chain == null) {
        chains.values().forEach(c -> c.rules.clear());
      } else {
        existing(chain).rules.clear();
      }
    }

    void zero(String chain) {
      for (ChainBuilder c : chains.values()) {
        if (chain == null || c.name.equals(chain)) {
          c.packets = 0;
          c.bytes = 0;
          c.rules.replaceAll(r -> r.with(r.number(), 0, 0));
        }
      }
      if (chain != null) {
        existing(chain);
      }
    }

    void rename(String from, String to) {
      final ChainBuilder c = existing(from);
      if (c.builtin || chains.containsKey(to)) {
        throw new ExtException("cannot rename chain " + from + " to " + to);
      }
      chains.remove(from);
      c.name = to;
      chains.put(to, c);
      for (ChainBuilder o : chains.values()) {
        o.rules.replaceAll(r -> {
          final String cn = r.chainName().equals(from) ? to : r.chainName();
          Target t = r.target();
          if (t instanceof JumpTarget j && j.chain().equals(from)) {
            t = new JumpTarget(to, j.isGoto());
          }
          return new Rule(cn, r.number(), r.source(), r.ip(), r.matches(), t, r.packets(), r.bytes(),
              r.unknown());
        });
      }
    }

    /** At COMMIT: every jump must name a chain of this table (else a diagnostic; check reports it). */
    void commit() {
      for (ChainBuilder c : chains.values()) {
        for (Rule r : c.rules) {
          if (r.target() instanceof JumpTarget j && !chains.containsKey(j.chain())) {
            diagnostics.add(new Diagnostic(r.source(), "jump to missing chain " + j.chain()
                + " in table " + name));
          }
        }
      }
    }

    Table build() {
      final List<Chain> out = new ArrayList<>();
      final TreeMap<String, ChainBuilder> user = new TreeMap<>();
      for (ChainBuilder c : chains.values()) {
        if (c.builtin) {
          out.add(c.build());
        } else {
          user.put(c.name, c);
        }
      }
      for (ChainBuilder c : user.values()) {
        out.add(c.build());
      }
      return new Table(name, out, source);
    }
  }
}
