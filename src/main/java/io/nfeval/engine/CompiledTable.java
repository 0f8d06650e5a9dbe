package io.nfeval.engine;

import io.nfeval.rules.Chain;
import io.nfeval.rules.Rule;
import io.nfeval.rules.Table;
import io.nfeval.rules.ext.JumpTarget;
import io.nfeval.rules.ext.Match;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One iptables table laid out as the kernel's table blob ({@code struct xt_table_info}): every chain's
 * rules back to back in one array of entries, each chain followed by its end entry (the policy of a
 * built-in chain — the kernel's "underflow" — or the implicit RETURN of a user chain), and jumps
 * resolved to entry indexes. Counters are indexed by entry, like the kernel's per-entry counters.
 *
 * <p>Built once from the immutable rules model and validated here (missing chains, loops), so the
 * evaluator trusts it (ip_tables.c: {@code mark_source_chains}, {@code check_underflow}).
 */
public final class CompiledTable {
  /** Entry kinds. */
  public static final int RULE = 0;
  /** End of a built-in chain: its policy, counted as the chain's policy counter. */
  public static final int POLICY = 1;
  /** End of a user chain: implicit RETURN, not shown by iptables-save. */
  public static final int CHAIN_END = 2;

  final Table table;
  /** Entry index → rule (null for POLICY/CHAIN_END entries). */
  final Rule[] rules;
  final int[] kind;
  /** Entry index → chain index. */
  final int[] chainOf;
  /** For jump/goto rules: entry index of the target chain's first entry; else -1. */
  final int[] jump;
  /** Policy verdict of POLICY entries (XtVerdict.ACCEPT / DROP). */
  final int[] policyVerdict;
  /** Per hook number: first entry of the built-in chain, -1 when the table has no such chain. */
  final int[] hookEntry = new int[5];
  /** Per hook number: entry index of the policy (the kernel's underflow). */
  final int[] underflow = new int[5];
  /** Chain index → first entry index; chain index → end entry index. */
  final int[] chainStart;
  final int[] chainEnd;
  final List<Chain> chains;
  /** Entry index → index of the first match slot of that rule in the engine's match-state array. */
  final int[] matchSlot;
  final Match[][] matches;
  final int maxDepth;

  /**
   * Per entry, {@link #STRIDE} ints at {@code STRIDE * e}: what the evaluator reads for every entry
   * it tries, side by side as in the kernel's {@code struct ipt_entry} (its {@code struct ipt_ip}
   * inline, then the target), so trying a rule reads one cache line instead of the rule, its IP part
   * and its target as objects scattered over the heap. Only rules with interfaces, extension matches
   * or a non-standard target go on to those objects.
   */
  final int[] blob;
  static final int STRIDE = 8;
  static final int B_KIND = 0;
  static final int B_SRC = 1;
  static final int B_SRC_MASK = 2;
  static final int B_DST = 3;
  static final int B_DST_MASK = 4;
  /** Protocol (low 8 bits) and the F_* flags. */
  static final int B_FLAGS = 5;
  /** One of the T_* codes. */
  static final int B_TARGET = 6;
  /** Entry of a jump's or goto's target chain. */
  static final int B_JUMP = 7;
  static final int F_INV_SRC = 1 << 8;
  static final int F_INV_DST = 1 << 9;
  static final int F_INV_PROTO = 1 << 10;
  /** -f: only later fragments. */
  static final int F_FRAGS = 1 << 11;
  /** ! -f: only first fragments and whole datagrams. */
  static final int F_NOT_FRAGS = 1 << 12;
  /** -i or -o: {@link TableEvaluator} checks them on the rule's IpMatch. */
  static final int F_IFACES = 1 << 13;
  /** The rule has extension matches. */
  static final int F_MATCHES = 1 << 14;
  static final int T_OTHER = 0;
  static final int T_ACCEPT = 1;
  static final int T_DROP = 2;
  static final int T_QUEUE = 3;
  static final int T_RETURN = 4;
  static final int T_JUMP = 5;
  static final int T_GOTO = 6;
  /** No target ({@code -j} omitted): counts and continues. */
  static final int T_NONE = 7;

  private static final String[] HOOK_CHAINS = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"};

  /** Index of this table in the engine (trace and counters). */
  final int id;

  CompiledTable(Table table, int firstMatchSlot, int id) {
    this.table = table;
    this.id = id;
    this.chains = table.chains();
    Map<String, Integer> chainIndex = new HashMap<>();
    int n = 0;
    for (int c = 0; c < chains.size(); c++) {
      chainIndex.put(chains.get(c).name(), c);
      n += chains.get(c).rules().size() + 1;
    }
    rules = new Rule[n];
    kind = new int[n];
    chainOf = new int[n];
    jump = new int[n];
    policyVerdict = new int[n];
    matchSlot = new int[n];
    matches = new Match[n][];
    chainStart = new int[chains.size()];
    chainEnd = new int[chains.size()];
    Arrays.fill(jump, -1);
    Arrays.fill(hookEntry, -1);
    Arrays.fill(underflow, -1);
    int e = 0;
    int slot = firstMatchSlot;
    for (int c = 0; c < chains.size(); c++) {
      Chain ch = chains.get(c);
      chainStart[c] = e;
      for (Rule r : ch.rules()) {
        rules[e] = r;
        kind[e] = RULE;
        chainOf[e] = c;
        matches[e] = r.matches().toArray(new Match[0]);
        matchSlot[e] = slot;
        slot += matches[e].length;
        e++;
      }
      chainEnd[c] = e;
      chainOf[e] = c;
      matches[e] = new Match[0];
      matchSlot[e] = slot;
      if (ch.builtin()) {
        kind[e] = POLICY;
        policyVerdict[e] = "DROP".equals(ch.policy())
            ? io.nfeval.rules.ext.XtVerdict.DROP : io.nfeval.rules.ext.XtVerdict.ACCEPT;
        for (int h = 0; h < 5; h++) {
          if (HOOK_CHAINS[h].equals(ch.name())) {
            hookEntry[h] = chainStart[c];
            underflow[h] = e;
          }
        }
      } else {
        kind[e] = CHAIN_END;
      }
      e++;
    }
    this.matchSlotEnd = slot;
    for (int i = 0; i < n; i++) {
      if (kind[i] == RULE && rules[i].target() instanceof JumpTarget) {
        JumpTarget jt = (JumpTarget) rules[i].target();
        Integer target = chainIndex.get(jt.chain());
        if (target == null) {
          throw io.nfeval.InputException.atLine(rules[i].source().file(), rules[i].source().line(),
              "jump to missing chain '" + jt.chain() + "'");
        }
        jump[i] = chainStart[target];
      }
    }
    maxDepth = checkLoops(chainIndex);
    blob = new int[STRIDE * n];
    for (int i = 0; i < n; i++) {
      final int o = STRIDE * i;
      blob[o + B_KIND] = kind[i];
      blob[o + B_JUMP] = jump[i];
      if (kind[i] == RULE) {
        encode(rules[i], matches[i].length > 0, o);
      }
    }
  }

  private void encode(Rule r, boolean hasMatches, int o) {
    final io.nfeval.rules.IpMatch ip = r.ip();
    blob[o + B_SRC] = ip.src();
    blob[o + B_SRC_MASK] = ip.srcMask();
    blob[o + B_DST] = ip.dst();
    blob[o + B_DST_MASK] = ip.dstMask();
    int f = ip.proto() & 0xff;
    f |= ip.invSrc() ? F_INV_SRC : 0;
    f |= ip.invDst() ? F_INV_DST : 0;
    f |= ip.invProto() ? F_INV_PROTO : 0;
    f |= ip.fragment() == io.nfeval.rules.IpMatch.Fragment.FRAGS ? F_FRAGS : 0;
    f |= ip.fragment() == io.nfeval.rules.IpMatch.Fragment.NOT_FRAGS ? F_NOT_FRAGS : 0;
    f |= ip.inIface() != null || ip.outIface() != null ? F_IFACES : 0;
    f |= hasMatches ? F_MATCHES : 0;
    blob[o + B_FLAGS] = f;
    final io.nfeval.rules.ext.Target t = r.target();
    int code = T_OTHER;
    if (t instanceof io.nfeval.rules.ext.VerdictTarget) {
      switch (((io.nfeval.rules.ext.VerdictTarget) t).verdict()) {
        case ACCEPT: code = T_ACCEPT; break;
        case DROP: code = T_DROP; break;
        case QUEUE: code = T_QUEUE; break;
        default: code = T_RETURN; break;
      }
    } else if (t instanceof JumpTarget) {
      code = ((JumpTarget) t).isGoto() ? T_GOTO : T_JUMP;
    } else if (t instanceof io.nfeval.rules.ext.NoTarget) {
      code = T_NONE;
    }
    blob[o + B_TARGET] = code;
  }

  final int matchSlotEnd;

  /** Candidate classifier the evaluator skips rules with; null = plain reference walk. */
  io.nfeval.engine.classify.TableClassifier classifier;

  /** Builds the candidate classifier (engine.classify); call before the table is evaluated. */
  void buildClassifier() {
    classifier = io.nfeval.engine.classify.TableClassifier.build(rules, chainStart, chainEnd);
  }

  /** Depth-first walk of the jump graph from each chain: a loop is an error (mark_source_chains). */
  private int checkLoops(Map<String, Integer> chainIndex) {
    int c = chains.size();
    int[] state = new int[c]; // 0 unvisited, 1 on stack, 2 done
    int[] depth = new int[c];
    int max = 0;
    for (int i = 0; i < c; i++) {
      max = Math.max(max, visit(i, state, depth));
    }
    return max;
  }

  private int visit(int c, int[] state, int[] depth) {
    if (state[c] == 2) {
      return depth[c];
    }
    if (state[c] == 1) {
      Chain ch = chains.get(c);
      throw io.nfeval.InputException.usage("table " + table.name() + ": loop in the chain graph through chain '"
          + ch.name() + "'");
    }
    state[c] = 1;
    int d = 0;
    for (int e = chainStart[c]; e < chainEnd[c]; e++) {
      if (jump[e] >= 0) {
        d = Math.max(d, 1 + visit(chainOf[jump[e]], state, depth));
      }
    }
    state[c] = 2;
    depth[c] = d;
    return d;
  }

  public Table table() {
    return table;
  }

  public String name() {
    return table.name();
  }

  public int entries() {
    return rules.length;
  }

  /** Entry index of a rule, by chain name and 1-based rule number. */
  public int entryOf(String chain, int ruleNumber) {
    for (int c = 0; c < chains.size(); c++) {
      if (chains.get(c).name().equals(chain)) {
        return chainStart[c] + ruleNumber - 1;
      }
    }
    return -1;
  }

  /** Entry index of the policy (end entry) of a chain. */
  public int endOf(String chain) {
    for (int c = 0; c < chains.size(); c++) {
      if (chains.get(c).name().equals(chain)) {
        return chainEnd[c];
      }
    }
    return -1;
  }

  /** Index of this table in {@link Engine#tables()} (the trace's table id). */
  public int id() {
    return id;
  }

  /** Rule of an entry; null for POLICY / CHAIN_END entries. */
  public Rule rule(int entry) {
    return rules[entry];
  }

  /** Kind of an entry: {@link #RULE}, {@link #POLICY} or {@link #CHAIN_END}. */
  public int kind(int entry) {
    return kind[entry];
  }

  /** Chain index of an entry (index into {@link #chains()}). */
  public int chainOf(int entry) {
    return chainOf[entry];
  }

  /** First entry of chain {@code c}. */
  public int chainStart(int c) {
    return chainStart[c];
  }

  /** End entry (policy or implicit RETURN) of chain {@code c}. */
  public int chainEnd(int c) {
    return chainEnd[c];
  }

  /** Chain {@code c}. */
  public Chain chain(int c) {
    return chains.get(c);
  }

  /** Number of chains. */
  public int chainCount() {
    return chains.size();
  }

  /** All chains with their entry ranges, for reports. */
  public List<Chain> chains() {
    return new ArrayList<>(chains);
  }
}
