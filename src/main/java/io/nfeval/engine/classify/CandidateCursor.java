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

  /**
   * Per chain: {@code traversal << VISIT_BITS | visit} when the chain's lists were resolved in this
   * traversal (visit: its index in the dense per-visit arrays below), else anything older. One
   * read per chain reached; the per-visit state a traversal works on stays in a few hot lines
   * (hundreds of chains, each reached by a few packets, would miss the cache on per-chain arrays).
   */
  private long[] chainVisit = new long[0];
  private static final int VISIT_BITS = 24;
  private static final long TRAVERSAL_LIMIT = 1L << (63 - VISIT_BITS);
  /** Chains resolved in this traversal. */
  private int visits;
  /** Per visit: the last entry asked for. */
  private int[] lastEntry = new int[4];
  /**
   * Per visit × slot: the array holding the candidate list, the position in it and the end of the
   * list (lists of interval fields are ranges of their index's one array).
   */
  private int[][] lists = new int[4 * SLOTS][];
  private int[] pos = new int[4 * SLOTS];
  private int[] end = new int[4 * SLOTS];

  /**
   * Starts (or restarts, after a target may have rewritten the packet) a traversal of {@code t} with
   * the current state of the packet: addresses, protocol, fragment offset, ports when the TCP/UDP
   * header is present, and devices. The keys are read when the traversal first reaches an indexed
   * chain (the packet does not change in between): most packets of an established connection are
   * accepted by a first rule in a short chain and never need them.
   */
  public void begin(TableClassifier t, PacketContext ctx) {
    pendingTable = t;
    pendingCtx = ctx;
  }

  /** A traversal begun with {@link #begin(TableClassifier, PacketContext)} whose keys are not read yet. */
  private TableClassifier pendingTable;
  private PacketContext pendingCtx;

  private void readKeys() {
    final PacketContext ctx = pendingCtx;
    final PacketView v = ctx.ip();
    final String i = ctx.inIface();
    final String o = ctx.outIface();
    final TableClassifier t = pendingTable;
    pendingTable = null;
    pendingCtx = null;
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
    pendingTable = null;
    pendingCtx = null;
    if (t.chainCount > chainVisit.length) {
      chainVisit = new long[t.chainCount];
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
    if (t != table || traversal + 1 == TRAVERSAL_LIMIT) {
      table = t;
      Arrays.fill(chainVisit, 0); // stamps of another table's chains mean nothing here
      traversal = 0;
    }
    traversal++;
    visits = 0;
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
    final ChainClassifier c = (pendingTable != null ? pendingTable : table).byEntry[e];
    if (c == null) {
      return e;
    }
    if (pendingTable != null) {
      readKeys();
    }
    final int ci = c.index;
    final int[] slots = c.slotField;
    final long stamp = chainVisit[ci];
    int visit;
    if (stamp >>> VISIT_BITS != traversal) {
      visit = newVisit(ci);
      resolve(c, visit);
    } else {
      visit = (int) stamp & ((1 << VISIT_BITS) - 1);
      if (e < lastEntry[visit]) {
        resolve(c, visit); // the chain is visited again from an earlier entry: start over
      }
    }
    lastEntry[visit] = e;
    final int base = visit * SLOTS;
    int best = c.end;
    for (int k = 0; k < slots.length; k++) {
      final int[] l = lists[base + k];
      final int stop = end[base + k];
      final int p = advance(l, pos[base + k], stop, e);
      pos[base + k] = p;
      if (p < stop && l[p] < best) {
        best = l[p];
      }
    }
    return best;
  }

  /** A visit index for chain {@code ci} in this traversal (arrays grow during warm-up only). */
  private int newVisit(int ci) {
    final int v = visits++;
    if (v == lastEntry.length) {
      lastEntry = Arrays.copyOf(lastEntry, 2 * v);
      lists = Arrays.copyOf(lists, 2 * v * SLOTS);
      pos = Arrays.copyOf(pos, 2 * v * SLOTS);
      end = Arrays.copyOf(end, 2 * v * SLOTS);
    }
    chainVisit[ci] = traversal << VISIT_BITS | v;
    return v;
  }

  private void resolve(ChainClassifier c, int visit) {
    final int[] slots = c.slotField;
    final int base = visit * SLOTS;
    for (int k = 0; k < slots.length; k++) {
      final int f = slots[k];
      c.resolve(f, f < FIELDS ? keys[f] : 0, keys[PROTO], portsKnown, in, out, lists, pos, end,
          base + k);
    }
  }

  /**
   * First position at or after {@code p} holding an entry {@code >= e}. Usually 0 or 1 steps (the
   * walk goes candidate by candidate); a binary search when the evaluator jumped further (a chain
   * visited again from its start, a long list), so no walk is quadratic in the chain length.
   */
  private static int advance(int[] l, int p, int stop, int e) {
    if (p >= stop || l[p] >= e) {
      return p;
    }
    if (p + 1 >= stop || l[p + 1] >= e) {
      return p + 1;
    }
    final int i = Arrays.binarySearch(l, p + 2, stop, e);
    return i >= 0 ? i : -i - 1;
  }
}
