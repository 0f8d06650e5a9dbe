/**
 * Connection tracking, ported from the Linux kernel's netfilter conntrack (net/netfilter/nf_conntrack_*.c,
 * 6.x): {@link io.nfeval.conntrack.ConntrackTable} is the table and the nf_conntrack_in / confirm path,
 * {@link io.nfeval.conntrack.TcpConntrack} the TCP window tracker, {@link io.nfeval.conntrack.CtPacket} and
 * {@link io.nfeval.conntrack.CtResult} the reusable per-packet input and output, {@link io.nfeval.conntrack.Ct}
 * the kernel's constants (ctinfo, status bits, --ctstate bits, hooks).
 *
 * <p>Engine protocol, per packet: at PRE_ROUTING or LOCAL_OUT (after raw) call {@code lookupOrCreate(packet, result)}
 * unless the packet is untracked (NOTRACK: ctinfo {@code Ct.CTINFO_UNTRACKED}) or already carries an entry
 * (loopback: the packet keeps the handle and ctinfo it had on the way out). {@code result.drop} means the
 * kernel's NF_DROP (table full). At the end of POST_ROUTING / LOCAL_IN call {@code confirm(handle, now)} if
 * {@code result.unconfirmed} (false return: drop the packet); if the packet is dropped before, call
 * {@code discardUnconfirmed(handle)}.
 */
package io.nfeval.conntrack;
