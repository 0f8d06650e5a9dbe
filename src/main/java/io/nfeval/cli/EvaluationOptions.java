package io.nfeval.cli;

import io.nfeval.engine.Engine;
import io.nfeval.rules.Backend;
import io.nfeval.rules.ParseOptions;
import picocli.CommandLine.Option;

/**
 * The evaluation options every command that runs the engine shares (replay, live, audit, diff):
 * how to treat unknown modules, which back end to assume, what to assume where a capture cannot
 * tell, and the seed of the kernel's random choices. A picocli mixin, so they read the same everywhere.
 */
final class EvaluationOptions {
  @Option(names = "--unknown", defaultValue = "fail", description = "Rules with a module nfeval does not"
      + " know: fail (default), match or nomatch (the rule is kept and flagged).")
  RulesCommand.Unknown unknown;

  @Option(names = "--backend", defaultValue = "nft", description = "iptables back end when the ruleset"
      + " does not say: nft (default) or legacy (decides where the security table sits and which"
      + " matches iptables-nft compiles natively).")
  String backend;

  @Option(names = "--assume", defaultValue = "match", description = "Matches a capture cannot decide"
      + " (owner without uid, socket, policy, cgroup...): match (default) or nomatch. Always flagged in"
      + " the trace.")
  String assume;

  @Option(names = "--seed", description = "Seed of the random choices the kernel makes (NAT port"
      + " search with --random/--random-fully, statistic --mode random): same seed, same replay.")
  Long seed;

  ParseOptions parseOptions() {
    return unknown.options();
  }

  /** Engine options from these flags; the caller adds what is its own (trace, answers). */
  Engine.Options engineOptions() {
    final Engine.Options opts = new Engine.Options();
    opts.defaultBackend = "legacy".equalsIgnoreCase(backend) ? Backend.LEGACY : Backend.NFT;
    opts.assumeUnknowable = !"nomatch".equalsIgnoreCase(assume);
    if (seed != null) {
      opts.natSeed = seed;
    }
    return opts;
  }
}
