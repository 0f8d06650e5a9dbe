/**
 * NAT bindings and packet translation over the conntrack table, ported from net/netfilter/nf_nat_core.c,
 * nf_nat_proto.c, nf_nat_masquerade.c, nf_nat_redirect.c and xt_NETMAP.c.
 *
 * <p>Engine protocol, per packet at a NAT hook (PRE_ROUTING/LOCAL_OUT: destination manip; POST_ROUTING/
 * LOCAL_IN: source manip): an INVALID or untracked packet skips NAT. A RELATED ICMP error goes to
 * {@link io.nfeval.nat.NatCore#icmpReplyTranslation} and never to the nat chain. Otherwise, if
 * {@link io.nfeval.nat.NatCore#needsNatChain} the nat table's chain runs; its SNAT/DNAT/MASQUERADE/REDIRECT/
 * NETMAP targets call setupInfo / masquerade / redirect / netmap (the first one that binds ends the chain,
 * as nf_nat_inet_fn stops once nf_nat_initialized); if the chain ends without a binding, call
 * {@link io.nfeval.nat.NatCore#nullBinding}. Then {@link io.nfeval.nat.NatCore#translate} says what to
 * rewrite.
 */
package io.nfeval.nat;
