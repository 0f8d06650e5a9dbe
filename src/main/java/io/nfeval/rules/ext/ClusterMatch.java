package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m cluster --cluster-total-nodes N [!] --cluster-local-node I|--cluster-local-nodemask M
 * --cluster-hash-seed S} ({@code xt_cluster.c}): the node of a cluster that owns the connection, by a
 * jhash of the original source address. Computed exactly; the kernel's side effect of turning a
 * multicast-MAC unicast packet's pkt_type into HOST is not modelled.
 */
public final class ClusterMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("cluster",
      List.of(arg("cluster-total-nodes"), invArg("cluster-local-node"), invArg("cluster-local-nodemask"),
          arg("cluster-hash-seed")), Map.of(), ClusterMatch::new);

  private final int totalNodes;
  private final long nodeMask;
  private final int hashSeed;
  private final boolean invert;

  private ClusterMatch(Opts o, ExtContext c) {
    if (o.has("cluster-local-node") && o.has("cluster-local-nodemask")) {
      throw new ExtException(
          "cluster: option \"--cluster-local-node\" cannot be used together with \"--cluster-local-nodemask\".");
    }
    o.require("cluster: option \"--cluster-total-nodes\" must be specified", "cluster-total-nodes");
    o.require("cluster: option \"--cluster-local-node\" or \"--cluster-local-nodemask\" must be specified",
        "cluster-local-node", "cluster-local-nodemask");
    o.require("cluster: option \"--cluster-hash-seed\" must be specified", "cluster-hash-seed");
    totalNodes = (int) range(o.str("cluster-total-nodes"), 1, 32, "cluster-total-nodes");
    if (o.has("cluster-local-node")) {
      nodeMask = 1L << (range(o.str("cluster-local-node"), 1, 32, "cluster-local-node") - 1);
    } else {
      nodeMask = range(o.str("cluster-local-nodemask"), 1, 32, "cluster-local-nodemask"); // sic: checked as a node number
    }
    hashSeed = (int) range(o.str("cluster-hash-seed"), 0, 0xffffffffL, "cluster-hash-seed");
    invert = o.inv("cluster-local-node") || o.inv("cluster-local-nodemask");
    if (nodeMask >= (1L << totalNodes)) {
      throw new ExtException("cluster match: `--cluster-local-node' must be <= `--cluster-total-nodes'");
    }
  }

  private static long range(String s, long min, long max, String opt) {
    final long v = Num.tryUnsigned(s);
    if (v < min || v > max) {
      throw new ExtException("cluster: bad value for option \"--" + opt + "\", or out of range (" + min + "-"
          + max + ").");
    }
    return v;
  }

  public int totalNodes() { return totalNodes; }
  public long nodeMask() { return nodeMask; }
  public int hashSeed() { return hashSeed; }
  public boolean invert() { return invert; }

  @Override
  public String name() {
    return "cluster";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m cluster");
    Save.opt(sb, invert, "cluster-local-nodemask").append(String.format(" 0x%08x", nodeMask));
    sb.append(" --cluster-total-nodes ").append(totalNodes)
        .append(String.format(" --cluster-hash-seed 0x%08x", hashSeed & 0xffffffffL));
  }

  /**
   * xt_cluster_mt: no connection, no match; else node = reciprocal_scale(jhash_1word(orig saddr, seed),
   * total) (the address as the little-endian host loads the big-endian field, as on x86), and the bit of
   * that node in the mask, xor the inversion. The kernel hashes an expected connection (FTP data...) on
   * its master's source, which the context does not give: such connections (IPS_EXPECTED) are hashed on
   * their own source and flagged.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    final int ct = ctx.ctInfo();
    if (ct == PacketContext.CT_INVALID || ct == PacketContext.CT_UNTRACKED) {
      return false;
    }
    if ((ctx.ctStatus() & 1) != 0) {
      ctx.assume("cluster (expected connection hashed on its own source, not its master's)");
    }
    final long node = hashNode(ctx.ctOrigSrc());
    return ((nodeMask & (1L << node)) != 0) != invert;
  }

  /** The node (0-based) that owns a connection from {@code origSrc}. */
  public long hashNode(int origSrc) {
    return Jhash.scale(Jhash.word1(Integer.reverseBytes(origSrc), hashSeed), totalNodes);
  }
}
