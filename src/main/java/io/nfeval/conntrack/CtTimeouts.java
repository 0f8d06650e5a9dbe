package io.nfeval.conntrack;

/**
 * Timeouts and tracker switches, with the kernel's defaults (net.netfilter.nf_conntrack_* sysctls).
 * All durations in nanoseconds. Mutable: set before use, not while packets flow.
 */
public final class CtTimeouts {
    /** tcp_timeouts[] indexed by TcpConntrack state (SYN_SENT..SYN_SENT2), then RETRANS and UNACK. */
    public final long[] tcp = new long[TcpConntrack.TIMEOUT_MAX];
    /** nf_conntrack_udp_timeout (unreplied). */
    public long udpUnreplied = Ct.secs(30);
    /** nf_conntrack_udp_timeout_stream (replied, after the 2 s stream delay). */
    public long udpReplied = Ct.secs(120);
    /** nf_conntrack_icmp_timeout. */
    public long icmp = Ct.secs(30);
    /** nf_conntrack_gre_timeout (unreplied). */
    public long greUnreplied = Ct.secs(30);
    /** nf_conntrack_gre_timeout_stream. */
    public long greReplied = Ct.secs(180);
    /** CONFIG_NF_CT_PROTO_GRE: track GRE with its own timeouts (else as a generic protocol). */
    public boolean greTracker = true;
    /** sctp_timeouts[] indexed by SctpConntrack state (CLOSED..HEARTBEAT_SENT); NONE (0) uses CLOSED's. */
    public final long[] sctp = new long[SctpConntrack.MAX];
    /** The SCTP states' names in the nf_conntrack_sctp_timeout_* sysctls, by state (NONE has none). */
    public static final java.util.List<String> SCTP_STATE_NAMES = java.util.List.of("", "closed", "cookie_wait",
        "cookie_echoed", "established", "shutdown_sent", "shutdown_recd", "shutdown_ack_sent", "heartbeat_sent");
    /** nf_conntrack_generic_timeout. */
    public long generic = Ct.secs(600);
    /** nf_conntrack_tcp_max_retrans. */
    public int tcpMaxRetrans = 3;
    /** nf_conntrack_tcp_loose: pick up mid-stream connections. */
    public boolean tcpLoose = true;
    /** nf_conntrack_tcp_be_liberal. */
    public boolean tcpBeLiberal;
    /** nf_conntrack_tcp_ignore_invalid_rst. */
    public boolean tcpIgnoreInvalidRst;
    /** nf_conntrack_checksum: verify L4 checksums in PRE_ROUTING. */
    public boolean checksum = true;

    public CtTimeouts() {
        tcp[TcpConntrack.SYN_SENT] = Ct.secs(120);
        tcp[TcpConntrack.SYN_RECV] = Ct.secs(60);
        tcp[TcpConntrack.ESTABLISHED] = Ct.secs(5L * 24 * 3600);
        tcp[TcpConntrack.FIN_WAIT] = Ct.secs(120);
        tcp[TcpConntrack.CLOSE_WAIT] = Ct.secs(60);
        tcp[TcpConntrack.LAST_ACK] = Ct.secs(30);
        tcp[TcpConntrack.TIME_WAIT] = Ct.secs(120);
        tcp[TcpConntrack.CLOSE] = Ct.secs(10);
        tcp[TcpConntrack.SYN_SENT2] = Ct.secs(120);
        tcp[TcpConntrack.RETRANS] = Ct.secs(300);
        tcp[TcpConntrack.UNACK] = Ct.secs(300);
        sctp[SctpConntrack.CLOSED] = Ct.secs(10);
        sctp[SctpConntrack.COOKIE_WAIT] = Ct.secs(3);
        sctp[SctpConntrack.COOKIE_ECHOED] = Ct.secs(3);
        sctp[SctpConntrack.ESTABLISHED] = Ct.secs(210);
        sctp[SctpConntrack.SHUTDOWN_SENT] = Ct.secs(3);
        sctp[SctpConntrack.SHUTDOWN_RECD] = Ct.secs(3);
        sctp[SctpConntrack.SHUTDOWN_ACK_SENT] = Ct.secs(3);
        sctp[SctpConntrack.HEARTBEAT_SENT] = Ct.secs(30);
    }
}
