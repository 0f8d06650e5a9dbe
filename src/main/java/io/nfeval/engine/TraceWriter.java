package io.nfeval.engine;

import io.nfeval.conntrack.Ct;
import io.nfeval.rules.Rule;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * Writes the per-packet trace as JSON Lines: one object per captured packet, in packet order. Stable
 * keys (external checks read them): index, ts (ns), entry, in, out, tuple {proto, src, dst, sport,
 * dport}, ct, rules [{table, chain, rule, target} | {table, chain, policy}], verdict, drop {hook, table},
 * nat {src, dst, sport, dport} when rewritten, mark, ctmark, log [{target, prefix}], flags [...].
 *
 * <p>Built as UTF-8 bytes in one reused buffer, and each step of the path ({@code {"table":...}}) is
 * encoded once per rule and then copied: a trace line costs about as much as the evaluation it
 * describes, so text encoding per packet (StringBuilder, then a charset encoder) would double it.
 * Nothing is allocated per packet once every traversed rule has been seen.
 */
public final class TraceWriter implements Engine.PacketListener {
  private OutputStream bytesOut;
  private final Writer charsOut;
  private byte[] buf = new byte[1024];
  private int len;
  private char[] chars;
  /** Per table id: the table the cached steps belong to, and each entry's encoded step. */
  private CompiledTable[] stepTables = new CompiledTable[8];
  private byte[][][] steps = new byte[8][][];

  private final boolean conntrackOn;

  /** {@code conntrackOn}: whether the ruleset makes the kernel track connections at all. */
  public TraceWriter(OutputStream out, boolean conntrackOn) {
    this.bytesOut = out;
    this.charsOut = null;
    this.conntrackOn = conntrackOn;
  }

  /** The byte stream this trace writes to; null for a character trace. */
  public OutputStream output() {
    return bytesOut;
  }

  /** Writes further lines to {@code out} instead (a byte trace only). */
  void redirect(OutputStream out) {
    if (bytesOut == null) {
      throw new IllegalStateException("a character trace cannot be redirected");
    }
    bytesOut = out;
  }

  /** A writer of the same trace format for another evaluator, writing to {@code out}. */
  TraceWriter sibling(OutputStream out) {
    return new TraceWriter(out, conntrackOn);
  }

  /** A trace written to characters (tests, in-memory use); the stream constructor is faster. */
  public TraceWriter(Writer out, boolean conntrackOn) {
    this.bytesOut = null;
    this.charsOut = out;
    this.conntrackOn = conntrackOn;
  }

  @Override
  public void packetDone(Skb skb, Disposition d, PacketInfo info) {
    len = 0;
    ascii("{\"index\":").num(skb.index).ascii(",\"ts\":").num(skb.tsNanos);
    ascii(",\"entry\":\"").ascii(info.entryHook.toString()).ascii("\"");
    if (info.inName != null) {
      ascii(",\"in\":").string(info.inName);
    }
    if (skb.out != null) {
      ascii(",\"out\":").string(skb.out.name());
    }
    ascii(",\"tuple\":{\"proto\":\"").ascii(Json.protoName(info.origProto)).ascii("\",\"src\":");
    ip(info.origSrc).ascii(",\"dst\":").ip(info.origDst);
    if (info.origProto == 6 || info.origProto == 17 || (info.origProto == 132 && info.origSport >= 0)) {
      ascii(",\"sport\":").num(info.origSport).ascii(",\"dport\":").num(info.origDport);
    } else if (info.origProto == 1 && info.origSport >= 0) {
      ascii(",\"type\":").num(info.origSport).ascii(",\"code\":").num(info.origDport);
    }
    ascii("},\"ct\":\"").ascii(conntrackOn ? ctName(skb.ctInfo) : "none").ascii("\",\"rules\":[");
    for (int i = 0; i < skb.traceLen; i++) {
      if (i > 0) {
        put((byte) ',');
      }
      bytes(step(skb.engineTables.get(skb.traceTable[i]), skb.traceEntry[i]));
    }
    ascii("],\"verdict\":\"").ascii(d.label()).ascii("\"");
    if (info.dropHook != null && info.dropStep != null) {
      ascii(",\"drop\":{\"hook\":\"").ascii(info.dropHook.toString()).ascii("\",\"at\":\"")
          .ascii(info.dropStep.table() != null ? info.dropStep.table()
              : info.dropStep.name().toLowerCase(java.util.Locale.ROOT))
          .ascii("\"}");
    }
    if (skb.present >= 20 && (skb.saddr() != info.origSrc || skb.daddr() != info.origDst
        || info.natRewritten)) {
      ascii(",\"nat\":{\"src\":").ip(skb.saddr()).ascii(",\"dst\":").ip(skb.daddr());
      if ((info.origProto == 6 || info.origProto == 17) && skb.view.l4HeaderPresent()) {
        ascii(",\"sport\":").num(skb.view.srcPort()).ascii(",\"dport\":").num(skb.view.dstPort());
      } else if (info.origProto == 132 && skb.view.sctpHeaderPresent()) {
        ascii(",\"sport\":").num(skb.view.sctpSrcPort()).ascii(",\"dport\":").num(skb.view.sctpDstPort());
      }
      put((byte) '}');
    }
    ascii(",\"mark\":").num(skb.mark & 0xffffffffL);
    if (skb.ctHandle >= 0) {
      ascii(",\"ctmark\":").num(skb.ctMark() & 0xffffffffL);
    }
    if (skb.logCount > 0) {
      ascii(",\"log\":[");
      for (int i = 0; i < skb.logCount; i++) {
        if (i > 0) {
          put((byte) ',');
        }
        ascii("{\"target\":\"").ascii(skb.logTarget[i]).ascii("\",\"prefix\":");
        string(skb.logPrefix[i] == null ? "" : skb.logPrefix[i]);
        put((byte) '}');
      }
      put((byte) ']');
    }
    flags(skb, info);
    ascii("}\n");
    emit();
  }

  /** The encoded path step of entry {@code e} of table {@code t}, made on first use. */
  private byte[] step(CompiledTable t, int e) {
    final int id = t.id;
    if (id >= stepTables.length) {
      stepTables = java.util.Arrays.copyOf(stepTables, id + 8);
      steps = java.util.Arrays.copyOf(steps, id + 8);
    }
    if (stepTables[id] != t) { // first use, or a live reload brought new tables
      stepTables[id] = t;
      steps[id] = new byte[t.entries()][];
    }
    byte[] b = steps[id][e];
    if (b == null) {
      final StringBuilder sb = new StringBuilder(96);
      sb.append("{\"table\":\"").append(t.name()).append("\",\"chain\":");
      Json.string(sb, t.chains.get(t.chainOf[e]).name());
      if (t.kind[e] == CompiledTable.POLICY) {
        sb.append(",\"policy\":\"").append(t.chains.get(t.chainOf[e]).policy()).append("\"}");
      } else {
        final Rule r = t.rules[e];
        sb.append(",\"rule\":").append(r.number()).append(",\"target\":");
        Json.string(sb, r.target().name());
        sb.append('}');
      }
      b = sb.toString().getBytes(StandardCharsets.UTF_8);
      steps[id][e] = b;
    }
    return b;
  }

  private void flags(Skb skb, PacketInfo info) {
    boolean any = false;
    any = flag(any, info.looped, "loopback");
    any = flag(any, info.bridged, "bridged");
    any = flag(any, info.attached, "kernel-answer");
    any = flag(any, info.generated, "generated");
    any = flag(any, skb.view.truncated(), "truncated");
    any = flag(any, info.unknownRule, "unknown-rule");
    for (int i = 0; i < skb.assumptionCount; i++) {
      if (!any) {
        ascii(",\"flags\":[");
        any = true;
      } else {
        put((byte) ',');
      }
      ascii("\"assumed:");
      escaped(skb.assumptionNames[i]);
      put((byte) '"');
    }
    if (any) {
      put((byte) ']');
    }
  }

  private boolean flag(boolean any, boolean set, String name) {
    if (!set) {
      return any;
    }
    ascii(any ? "," : ",\"flags\":[");
    string(name);
    return true;
  }

  /** A packet that was not evaluated (not IPv4, malformed, loopback arrival). */
  public void notEvaluated(long index, long tsNanos, String entry, String in, String reason,
      Disposition d) {
    len = 0;
    ascii("{\"index\":").num(index).ascii(",\"ts\":").num(tsNanos);
    if (entry != null) {
      ascii(",\"entry\":\"").ascii(entry).put((byte) '"');
    }
    if (in != null) {
      ascii(",\"in\":").string(in);
    }
    ascii(",\"verdict\":\"").ascii(d.label()).ascii("\",\"reason\":").string(reason);
    ascii(d == Disposition.LOOPBACK_SKIPPED ? ",\"flags\":[\"loopback-arrival\"]}\n"
        : ",\"flags\":[\"not-evaluated\"]}\n");
    emit();
  }

  // ------------------------------------------------------------------ byte building

  private void emit() {
    try {
      if (bytesOut != null) {
        bytesOut.write(buf, 0, len);
        return;
      }
      if (chars == null || chars.length < len) {
        chars = new char[buf.length];
      }
      boolean asciiOnly = true;
      for (int i = 0; i < len; i++) {
        if (buf[i] < 0) {
          asciiOnly = false;
          break;
        }
        chars[i] = (char) buf[i];
      }
      if (asciiOnly) {
        charsOut.write(chars, 0, len);
      } else {
        charsOut.write(new String(buf, 0, len, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void ensure(int n) {
    if (len + n > buf.length) {
      buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
    }
  }

  private TraceWriter put(byte b) {
    ensure(1);
    buf[len++] = b;
    return this;
  }

  private void bytes(byte[] b) {
    ensure(b.length);
    System.arraycopy(b, 0, buf, len, b.length);
    len += b.length;
  }

  /** Appends text known to be ASCII and free of JSON specials (keys, labels, names we chose). */
  @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the low byte of each char, a copy for Latin-1 strings
  private TraceWriter ascii(String s) {
    final int n = s.length();
    ensure(n);
    s.getBytes(0, n, buf, len);
    len += n;
    return this;
  }

  /** "00".."99": two digits per division (time stamps have 19). */
  private static final byte[] DIGIT_PAIRS = new byte[200];

  static {
    for (int i = 0; i < 100; i++) {
      DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
      DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
    }
  }

  private TraceWriter num(long v) {
    ensure(20);
    if (v < 0) {
      if (v == Long.MIN_VALUE) {
        return ascii(Long.toString(v));
      }
      buf[len++] = '-';
      v = -v;
    }
    final int n = digits(v);
    int end = len + n;
    final byte[] b = buf;
    while (v >= Integer.MAX_VALUE) {
      final long q = v / 100;
      final int r = (int) (v - q * 100);
      b[--end] = DIGIT_PAIRS[2 * r + 1];
      b[--end] = DIGIT_PAIRS[2 * r];
      v = q;
    }
    int i = (int) v;
    while (i >= 100) {
      final int q = i / 100;
      final int r = i - q * 100;
      b[--end] = DIGIT_PAIRS[2 * r + 1];
      b[--end] = DIGIT_PAIRS[2 * r];
      i = q;
    }
    if (i >= 10) {
      b[--end] = DIGIT_PAIRS[2 * i + 1];
      b[--end] = DIGIT_PAIRS[2 * i];
    } else {
      b[--end] = (byte) ('0' + i);
    }
    len += n;
    return this;
  }

  /** Decimal digits of a non-negative value. */
  private static int digits(long v) {
    long p = 10;
    for (int n = 1; n < 19; n++) {
      if (v < p) {
        return n;
      }
      p *= 10;
    }
    return 19;
  }

  /** "0".."255", for dotted quads. */
  private static final byte[][] OCTETS = new byte[256][];

  static {
    for (int i = 0; i < 256; i++) {
      OCTETS[i] = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
    }
  }

  private TraceWriter ip(int a) {
    ensure(17);
    final byte[] b = buf;
    b[len++] = '"';
    for (int shift = 24; shift >= 0; shift -= 8) {
      final byte[] o = OCTETS[(a >>> shift) & 0xff];
      for (int i = 0; i < o.length; i++) {
        b[len++] = o[i];
      }
      b[len++] = shift == 0 ? (byte) '"' : (byte) '.';
    }
    return this;
  }

  /** A JSON string: quoted, escaped as {@link Json#string} does, UTF-8 encoded. */
  private TraceWriter string(String s) {
    put((byte) '"');
    escaped(s);
    return put((byte) '"');
  }

  private void escaped(String s) {
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      switch (c) {
        case '"': ascii("\\\""); break;
        case '\\': ascii("\\\\"); break;
        case '\n': ascii("\\n"); break;
        case '\r': ascii("\\r"); break;
        case '\t': ascii("\\t"); break;
        default:
          if (c < 0x20) {
            ascii(String.format("\\u%04x", (int) c));
          } else if (c < 0x80) {
            put((byte) c);
          } else if (Character.isSurrogate(c) || c >= 0x800) {
            // rare in names: let the JDK encode the code point (surrogate pairs included)
            final int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
            bytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
            i = end - 1;
          } else {
            put((byte) (0xc0 | (c >> 6)));
            put((byte) (0x80 | (c & 0x3f)));
          }
      }
    }
  }

  static String ctName(int ctinfo) {
    switch (ctinfo) {
      case Ct.CTINFO_NEW: return "NEW";
      case Ct.CTINFO_ESTABLISHED: return "ESTABLISHED";
      case Ct.CTINFO_RELATED: return "RELATED";
      case Ct.CTINFO_ESTABLISHED_REPLY: return "ESTABLISHED_REPLY";
      case Ct.CTINFO_RELATED_REPLY: return "RELATED_REPLY";
      case Ct.CTINFO_UNTRACKED: return "UNTRACKED";
      default: return "INVALID";
    }
  }
}
