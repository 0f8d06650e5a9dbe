package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m sctp} ({@code xt_sctp.c}): ports and chunk types. Chunk-type tests are kept as text
 * (parsed, not yet evaluated).
 */
public final class SctpMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("sctp",
      List.of(invArg("sport"), invArg("dport"), new OptSpec("chunk-types", 2, true, false)),
      Map.of("source-port", "sport", "destination-port", "dport"), SctpMatch::new);

  private final int sportMin;
  private final int sportMax;
  private final boolean invSport;
  private final int dportMin;
  private final int dportMax;
  private final boolean invDport;
  private final String chunkTypes;
  private final boolean invChunks;

  private SctpMatch(Opts o, ExtContext c) {
    c.requireProto("sctp", 132);
    final int[] sp = o.has("sport") ? Num.portRange(o.str("sport"), ':') : new int[] {0, 65535};
    final int[] dp = o.has("dport") ? Num.portRange(o.str("dport"), ':') : new int[] {0, 65535};
    sportMin = sp[0];
    sportMax = sp[1];
    invSport = o.inv("sport");
    dportMin = dp[0];
    dportMax = dp[1];
    invDport = o.inv("dport");
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

  public int sportMin() { return sportMin; }
  public int sportMax() { return sportMax; }
  public boolean invSport() { return invSport; }
  public int dportMin() { return dportMin; }
  public int dportMax() { return dportMax; }
  public boolean invDport() { return invDport; }
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
    if (sportMin != 0 || sportMax != 65535 || invSport) {
      Save.opt(sb, invSport, "sport", Num.range(sportMin, sportMax));
    }
    if (dportMin != 0 || dportMax != 65535 || invDport) {
      Save.opt(sb, invDport, "dport", Num.range(dportMin, dportMax));
    }
    if (chunkTypes != null) {
      Save.opt(sb, invChunks, "chunk-types", chunkTypes);
    }
  }
}
