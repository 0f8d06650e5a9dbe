package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m sctp} ({@code xt_sctp.c}): ports and chunk types (any, all or only of them, with flag
 * masks), each with its inversion.
 */
public final class SctpMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("sctp",
      List.of(invArg("sport"), invArg("dport"), new OptSpec("chunk-types", 2, true, false)),
      Map.of("source-port", "sport", "destination-port", "dport"), SctpMatch::new);

  private final PortRanges ports;
  private final String chunkTypes;
  private final boolean invChunks;

  private SctpMatch(Opts o, ExtContext c) {
    c.requireProto("sctp", 132);
    ports = PortRanges.parse(o);
    if (o.has("chunk-types")) {
      final List<String> a = o.get("chunk-types").args();
      if (!a.get(0).equals("all") && !a.get(0).equals("any") && !a.get(0).equals("only")) {
        throw new ExtException("sctp: --chunk-types must start with all, any or only");
      }
      chunkTypes = a.get(0) + " " + a.get(1);
    } else {
      chunkTypes = null;
    }
    invChunks = o.inv("chunk-types");
  }

  /** --sport and --dport. */
  public PortRanges ports() { return ports; }
  /** {@code any|all|only CHUNKS} as given, or null. */
  public String chunkTypes() { return chunkTypes; }
  public boolean invChunks() { return invChunks; }

  @Override
  public String name() {
    return "sctp";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m sctp");
    ports.save(sb);
    if (chunkTypes != null) {
      Save.opt(sb, invChunks, "chunk-types", chunkTypes);
    }
  }

  // ---- evaluation (xt_sctp.c sctp_mt, match_packet) ---------------------------------------------

  /** Chunk names of libxt_sctp's {@code sctp_chunk_names}. */
  private static final java.util.Map<String, Integer> CHUNKS = java.util.Map.ofEntries(
      java.util.Map.entry("DATA", 0), java.util.Map.entry("INIT", 1), java.util.Map.entry("INIT_ACK", 2),
      java.util.Map.entry("SACK", 3), java.util.Map.entry("HEARTBEAT", 4),
      java.util.Map.entry("HEARTBEAT_ACK", 5), java.util.Map.entry("ABORT", 6),
      java.util.Map.entry("SHUTDOWN", 7), java.util.Map.entry("SHUTDOWN_ACK", 8),
      java.util.Map.entry("ERROR", 9), java.util.Map.entry("COOKIE_ECHO", 10),
      java.util.Map.entry("COOKIE_ACK", 11), java.util.Map.entry("ECN_ECNE", 12),
      java.util.Map.entry("ECN_CWR", 13), java.util.Map.entry("SHUTDOWN_COMPLETE", 14),
      java.util.Map.entry("I_DATA", 64), java.util.Map.entry("RE_CONFIG", 130),
      java.util.Map.entry("PAD", 132), java.util.Map.entry("ASCONF", 193),
      java.util.Map.entry("ASCONF_ACK", 128), java.util.Map.entry("FORWARD_TSN", 192),
      java.util.Map.entry("I_FORWARD_TSN", 194));

  /** SCTP_CHUNK_MATCH_ANY / ALL / ONLY. */
  private static final int ANY = 0;
  private static final int ALL = 1;
  private static final int ONLY = 2;

  /** The parsed --chunk-types: match kind, chunk bitmap, per-chunk flag tests. */
  private static final class Chunks {
    final int kind;
    final boolean[] map = new boolean[256];
    final int[] flagType;
    final int[] flag;
    final int[] flagMask;
    /** {@link #map} as 4 words of bits, for the ALL test's pending set (kept in locals, no copy). */
    final long[] mapBits = new long[4];

    /** Fills {@link #mapBits} from {@link #map}; called once the parse is complete. */
    Chunks seal() {
      for (int t = 0; t < 256; t++) {
        if (map[t]) {
          mapBits[t >>> 6] |= 1L << (t & 63);
        }
      }
      return this;
    }

    Chunks(int kind, int n) {
      this.kind = kind;
      flagType = new int[n];
      flag = new int[n];
      flagMask = new int[n];
    }
  }

  private Chunks chunks;

  private Chunks chunks() {
    Chunks c = chunks;
    if (c == null) {
      c = parseChunks(chunkTypes).seal();
      chunks = c;
    }
    return c;
  }

  /**
   * libxt_sctp's parse_sctp_chunks: {@code any|all|only} and a list of names (or ALL/NONE), each with
   * optional flag letters (upper case set, lower case clear): DATA {@code I U B E}, ABORT and
   * SHUTDOWN_COMPLETE {@code T}.
   */
  private static Chunks parseChunks(String text) {
    final String[] a = text.split(" ", 2);
    final int kind = a[0].equals("any") ? ANY : a[0].equals("all") ? ALL : ONLY;
    final String[] names = a[1].split(",");
    final Chunks c = new Chunks(kind, names.length);
    int nf = 0;
    for (String item : names) {
      final int colon = item.indexOf(':');
      final String name = (colon < 0 ? item : item.substring(0, colon)).toUpperCase(java.util.Locale.ROOT);
      if (name.equals("ALL")) {
        java.util.Arrays.fill(c.map, true);
        continue;
      }
      if (name.equals("NONE")) {
        continue;
      }
      final Integer type = CHUNKS.get(name);
      if (type == null) {
        continue;
      }
      c.map[type] = true;
      if (colon >= 0) {
        final String letters = type == 0 ? "IUBE" : "T";
        int f = 0;
        int m = 0;
        for (char ch : item.substring(colon + 1).toCharArray()) {
          final int idx = letters.indexOf(Character.toUpperCase(ch));
          if (idx < 0) {
            continue;
          }
          final int bit = 1 << (letters.length() - 1 - idx);
          m |= bit;
          if (Character.isUpperCase(ch)) {
            f |= bit;
          }
        }
        c.flagType[nf] = type;
        c.flag[nf] = f;
        c.flagMask[nf] = m;
        nf++;
      }
    }
    return c.flagType.length == nf ? c : trim(c, nf);
  }

  private static Chunks trim(Chunks c, int nf) {
    final Chunks t = new Chunks(c.kind, nf);
    System.arraycopy(c.map, 0, t.map, 0, 256);
    System.arraycopy(c.flagType, 0, t.flagType, 0, nf);
    System.arraycopy(c.flag, 0, t.flag, 0, nf);
    System.arraycopy(c.flagMask, 0, t.flagMask, 0, nf);
    return t;
  }

  /** match_flags: the first flag test for this chunk type decides; none: true. */
  private static boolean flagsOk(Chunks c, int type, int flags) {
    for (int i = 0; i < c.flagType.length; i++) {
      if (c.flagType[i] == type) {
        return (flags & c.flagMask[i]) == c.flag[i];
      }
    }
    return true;
  }

  /**
   * sctp_mt: non-first fragments never match; an unreadable 12-byte common header hot-drops; ports
   * and chunk types each with their inversion.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final int th = PacketBytes.header(ctx, 12);
    if (th < 0) {
      return false;
    }
    final io.nfeval.packet.PacketView v = ctx.ip();
    final int sp = PacketBytes.u16(v, th);
    final int dp = PacketBytes.u16(v, th + 2);
    if (!ports.matches(sp, dp)) {
      return false;
    }
    if (chunkTypes == null) {
      return true;
    }
    final int r = chunksMatch(ctx, v, th + 12);
    if (r < 0) {
      return false;
    }
    return (r == 1) != invChunks;
  }

  /** match_packet: 1 match, 0 no match, -1 hot-dropped. */
  private int chunksMatch(PacketContext ctx, io.nfeval.packet.PacketView v, int offset) {
    final Chunks c = chunks();
    // ALL: the chunk types still to be seen, as 4 words of bits (no array copied per packet)
    long p0 = c.mapBits[0];
    long p1 = c.mapBits[1];
    long p2 = c.mapBits[2];
    long p3 = c.mapBits[3];
    final int len = ctx.length();
    do {
      final int type = PacketBytes.u8(v, offset);
      final int flags = PacketBytes.u8(v, offset + 1);
      final int clen = PacketBytes.u16(v, offset + 2);
      if (type < 0 || flags < 0 || clen <= 0) {
        ctx.hotdrop();
        return -1;
      }
      if (c.map[type]) {
        switch (c.kind) {
          case ANY -> {
            if (flagsOk(c, type, flags)) {
              return 1;
            }
          }
          case ALL -> {
            if (flagsOk(c, type, flags)) {
              final long bit = ~(1L << (type & 63));
              switch (type >>> 6) {
                case 0 -> p0 &= bit;
                case 1 -> p1 &= bit;
                case 2 -> p2 &= bit;
                default -> p3 &= bit;
              }
            }
          }
          default -> {
            if (!flagsOk(c, type, flags)) {
              return 0;
            }
          }
        }
      } else if (c.kind == ONLY) {
        return 0;
      }
      offset += (clen + 3) & ~3;
    } while (offset < len);
    if (c.kind == ALL) {
      return (p0 | p1 | p2 | p3) == 0 ? 1 : 0;
    }
    return c.kind == ANY ? 0 : 1;
  }
}
