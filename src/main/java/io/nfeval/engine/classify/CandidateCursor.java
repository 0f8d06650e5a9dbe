package io.nfeval.engine.classify;

import static io.nfeval.engine.classify.RuleConstraints.DPORT;
import static io.nfeval.engine.classify.RuleConstraints.DST;
import static io.nfeval.engine.classify.RuleConstraints.FIELDS;
import static io.nfeval.engine.classify.RuleConstraints.FRAG;
import static io.nfeval.engine.classify.RuleConstraints.PROTO;
import static io.nfeval.engine.classify.RuleConstraints.SPORT;
import static io.nfeval.engine.classify.RuleConstraints.SRC;

import io.nfeval.packet.PacketView;
import io.nfeval.rules.ext.PacketContext;
import java.util.Arrays;

/**
 * One worker's walk over a {@link TableClassifier} for the packet being evaluated: the packet's keys,
 * and per chain the candidate lists found for them with a position in each. Single-threaded, reused
 * for every packet, allocation-free after the first packets (arrays grow to the largest table seen).
 *
 * <p>Lists are resolved lazily, the first time a packet reaches a chain in a traversal. Within one
 * visit of a chain the evaluator only moves forward (a jump returns to the entry after the jump), so
 * positions only advance; a second visit of the same chain (another jump to it) starts over.
 */
public final class CandidateCursor {
  private static final int SLOTS = FIELDS + 1;

  private TableClassifier table;
  private long traversal;
  private final int[] keys = new int[FIELDS];
  private boolean portsKnown;
  private String in;
  private String out;

  /** Per chain: traversal the lists were resolved in, and the last entry asked for. */
  private long[] resolvedIn = new long[0];
  private int[] lastEntry = new int[0];
  /** Per chain × slot: the candidate list and the position in it. */
  private int[][] lists = new int[0][];
  private int[] pos = new int[0];

  /**
   * Starts (or restarts, after a target may have rewritten the packet) a traversal of {@code t} with
   * the current state of the packet: addresses, protocol, fragment offset, ports when the TCP/UDP
   * header is present, and devices.
   */
  public void begin(TableClassifier t, PacketContext ctx) {
    final PacketView v = ctx.ip();
    final String i = ctx.inIface();
    final String o = ctx.outIface();
    begin(t, v.srcAddr(), v.dstAddr(), v.protocol(), ctx.fragOffset(), v.srcPort(), v.dstPort(),
        i == null ? "" : i, o == null ? "" : o);
  }

  /**
   * Starts a traversal with explicit keys; a port of -1 means the ports cannot be read (no TCP/UDP
   * header: another protocol, a later fragment, or a cut header), and then no rule is skipped for
   * its ports. Device names: "" when the packet has no such device.
   */
  public void begin(TableClassifier t, int saddr, int daddr, int protocol, int fragOffset, int sport,
      int dport, String inDev, String outDev) {
    if (t.chainCount > resolvedIn.length) {
      resolvedIn = new long[t.chainCount];
      lastEntry = new int[t.chainCount];
      lists = new int[t.chainCount * SLOTS][];
      pos = new int[t.chainCount * SLOTS];
    }
    final int frag = fragOffset != 0 ? 1 : 0;
    final boolean known = sport >= 0 && dport >= 0;
    if (t == table && traversal != 0 && saddr == keys[SRC] && daddr == keys[DST]
        && protocol == keys[PROTO] && frag == keys[FRAG] && known == portsKnown
        && sport == keys[SPORT] && dport == keys[DPORT] && inDev.equals(in) && outDev.equals(out)) {
      // Same keys, same candidates: lists stay valid, and positions too (a chain entered below
      // its last position starts over in next()). A MARK or LOG that continued costs nothing.
      return;
    }
    if (t != table) {
      table = t;
      Arrays.fill(resolvedIn, 0); // stamps of another table's chains mean nothing here
    }
    traversal++;
    keys[SRC] = saddr;
    keys[DST] = daddr;
    keys[PROTO] = protocol;
    keys[FRAG] = frag;
    portsKnown = known;
    keys[SPORT] = sport;
    keys[DPORT] = dport;
    in = inDev;
    out = outDev;
  }

  /**
   * The first entry at or after {@code e} in e's chain that can match the packet: a candidate rule, or
   * the chain's end entry. {@code e} must be a rule entry; unindexed chains return {@code e} itself.
   */
  public int next(int e) {
    final ChainClassifier c = table.byEntry[e];
    if (c == null) {
      return e;
    }
    final int ci = c.index;
    final int base = ci * SLOTS;
    final int[] slots = c.slotField;
    if (resolvedIn[ci] != traversal) {
      for (int k = 0; k < slots.length; k++) {
        final int f = slots[k];
        lists[base + k] = c.lookup(f, f < FIELDS ? keys[f] : 0, keys[PROTO], portsKnown, in, out);
        pos[base + k] = 0;
      }
      resolvedIn[ci] = traversal;
    } else if (e < lastEntry[ci]) {
      Arrays.fill(pos, base, base + slots.length, 0); // the chain is visited again
    }
    lastEntry[ci] = e;
    int best = c.end;
    for (int k = 0; k < slots.length; k++) {
      final int[] l = lists[base + k];
      final int p = advance(l, pos[base + k], e);
      pos[base + k] = p;
      if (p < l.length && l[p] < best) {
        best = l[p];
      }
    }
    return best;
  }

  /**
   * First position at or after {@code p} holding an entry {@code >= e}. Usually 0 or 1 steps (the
   * walk goes candidate by candidate); a binary search when the evaluator jumped further (a chain
   * visited again from its start, a long list), so no walk is quadratic in the chain length.
   */
  private static int advance(int[] l, int p, int e) {
    if (p >= l.length || l[p] >= e) {
      return p;
    }
    if (p + 1 >= l.length || l[p + 1] >= e) {
      return p + 1;
    }
    final int i = Arrays.binarySearch(l, p + 2, l.length, e);
    return i >= 0 ? i : -i - 1;
  }
}
