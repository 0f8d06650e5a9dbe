/**
 * The iptables ruleset model and its parser.
 *
 * <p>{@link io.nfeval.rules.RulesetParser} reads iptables-save output and iptables-restore input into an
 * immutable {@link io.nfeval.rules.Ruleset}: {@link io.nfeval.rules.Table}s with their
 * {@link io.nfeval.rules.Chain}s (built-ins in hook order, then user chains sorted as iptables-save
 * prints them) and {@link io.nfeval.rules.Rule}s, each with the fixed IPv4 header match
 * {@link io.nfeval.rules.IpMatch} ({@code struct ipt_ip}), its matches and its target from
 * {@link io.nfeval.rules.ext}. {@link io.nfeval.rules.Ruleset#save(boolean)} prints iptables-save's
 * canonical form; the kernel round-trip test proves it equal to what iptables-nft and iptables-legacy
 * print. {@link io.nfeval.rules.RulesetChecker} holds the static checks of {@code nfeval check}.
 */
package io.nfeval.rules;
