package io.nfeval.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.nfeval.InputException;
import io.nfeval.JsonFiles;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which of a table's built-in chains the kernel has, from {@code nft -j list chains} (the snapshot's
 * optional {@code nft-chains.json}, in nft's own JSON).
 *
 * <p>iptables-nft creates a built-in chain (an nftables base chain) only when a rule, a policy or a
 * restored file's {@code :CHAIN POLICY} line names it, yet iptables-save prints every built-in chain of a
 * table, a missing one as {@code :CHAIN ACCEPT [0:0]}. A chain that does not exist has no hook, so it
 * counts no packet. For nat that is all: the NAT engine itself (null bindings, the translation of later
 * packets and replies) runs at every hook as soon as any nat chain exists, because nf_nat_register_fn
 * registers all of nf_nat_ipv4_ops at the first nat chain and only files each chain under its own hook.
 * The kernel scenario nft-nat-hooks shows it: with nat PREROUTING only, the forwarded connection's
 * replies are still translated. Only the back end decides: iptables-legacy registers every hook of a
 * table when the table is loaded.
 */
public final class NftBaseChains {
  /** The snapshot file: output of {@code nft -j list chains}. */
  public static final String FILE = "nft-chains.json";

  private NftBaseChains() {}

  /** The key of a built-in chain in {@link Ruleset#absentBaseChains()}. */
  public static String key(String table, String chain) {
    return table + "/" + chain;
  }

  /**
   * The built-in chains of {@code rs} that {@code file} shows the kernel does not have: for an
   * iptables-nft ruleset, each built-in chain without rules and with policy ACCEPT (what iptables-save
   * prints for a chain that does not exist) that has no base chain of that name in that table of family
   * {@code ip}. Empty for iptables-legacy. A file that is not nft's JSON is one
   * line and exit 2 (InputException).
   */
  public static Set<String> absent(Ruleset rs, Path file) {
    if (rs.backend() == Backend.LEGACY) {
      return Set.of();
    }
    final JsonNode items = JsonFiles.read(file).get("nftables");
    if (items == null || !items.isArray()) {
      throw InputException.ofFile(file, "not the output of nft -j list chains (no \"nftables\" array)", null);
    }
    final Set<String> present = new HashSet<>();
    for (JsonNode item : items) {
      final JsonNode c = item.get("chain");
      if (c != null && "ip".equals(c.path("family").asText()) && c.has("hook")) {
        present.add(key(c.path("table").asText(), c.path("name").asText()));
      }
    }
    final Set<String> absent = new TreeSet<>();
    for (Table t : rs.tables()) {
      for (Chain ch : t.chains()) {
        // A chain with rules or a DROP policy exists whatever the file says: iptables-nft created it for
        // them. So an iptables.rules edited after the snapshot cannot lose chains it uses.
        if (ch.builtin() && ch.rules().isEmpty() && !"DROP".equals(ch.policy())
            && !present.contains(key(t.name(), ch.name()))) {
          absent.add(key(t.name(), ch.name()));
        }
      }
    }
    return absent;
  }
}
