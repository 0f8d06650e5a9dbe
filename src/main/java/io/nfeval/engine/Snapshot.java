package io.nfeval.engine;

import io.nfeval.InputException;
import io.nfeval.host.HostModel;
import io.nfeval.ipset.IpsetParser;
import io.nfeval.ipset.IpsetRegistry;
import io.nfeval.rules.ParseOptions;
import io.nfeval.rules.Ruleset;
import io.nfeval.rules.RulesetParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A host snapshot directory: {@code iptables.rules} (required), {@code ipset.save}, {@code ip-addr.json}
 * and {@code ip-route.json} (required for replay), {@code ip-rule.json}, {@code sysctl.txt}, and
 * {@code nft-chains.json} ({@code nft -j list chains}: which built-in chains iptables-nft has created,
 * {@link io.nfeval.rules.NftBaseChains}).
 */
public final class Snapshot {
  private final Path dir;
  private final Ruleset ruleset;
  private final IpsetRegistry ipsets;
  private final HostModel host;

  private Snapshot(Path dir, Ruleset ruleset, IpsetRegistry ipsets, HostModel host) {
    this.dir = dir;
    this.ruleset = ruleset;
    this.ipsets = ipsets;
    this.host = host;
  }

  /** Loads a snapshot; {@code rulesOverride} replaces its iptables.rules when not null. */
  public static Snapshot load(Path dir, Path rulesOverride, ParseOptions options) {
    if (!Files.isDirectory(dir)) {
      throw InputException.ofFile(dir, "not a snapshot directory", null);
    }
    final Path rules = rulesOverride != null ? rulesOverride : dir.resolve("iptables.rules");
    if (!Files.isRegularFile(rules)) {
      throw InputException.ofFile(rules, "missing: a snapshot needs iptables.rules (iptables-save output)",
          null);
    }
    for (String f : List.of("ip-addr.json", "ip-route.json")) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        throw InputException.ofFile(dir.resolve(f),
            "missing: replay needs it (" + (f.equals("ip-addr.json") ? "ip -j addr show"
                : "ip -j route show table all") + ")", null);
      }
    }
    Ruleset rs = RulesetParser.parse(rules, options);
    final Path nftChains = dir.resolve(io.nfeval.rules.NftBaseChains.FILE);
    if (rulesOverride == null && Files.isRegularFile(nftChains)) {
      // The chains the kernel has describe this host's ruleset, not a proposed one given instead.
      rs = rs.withAbsentBaseChains(io.nfeval.rules.NftBaseChains.absent(rs, nftChains));
    }
    final Path ipsetFile = dir.resolve("ipset.save");
    final IpsetRegistry sets = Files.isRegularFile(ipsetFile) ? IpsetParser.parse(ipsetFile)
        : new IpsetRegistry(List.of());
    final HostModel host = HostModel.load(dir);
    return new Snapshot(dir, rs, sets, host);
  }

  public Path dir() {
    return dir;
  }

  public Ruleset ruleset() {
    return ruleset;
  }

  public IpsetRegistry ipsets() {
    return ipsets;
  }

  public HostModel host() {
    return host;
  }
}
