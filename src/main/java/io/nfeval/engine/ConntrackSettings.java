package io.nfeval.engine;

import io.nfeval.conntrack.Ct;
import io.nfeval.conntrack.CtTimeouts;
import io.nfeval.conntrack.TcpConntrack;
import io.nfeval.host.HostModel;

/**
 * The host's net.netfilter.nf_conntrack_* sysctls (from the snapshot's sysctl.txt) as conntrack's
 * timeouts and switches; a key the snapshot does not have keeps the kernel's default.
 */
final class ConntrackSettings {
  private ConntrackSettings() {}

  private static final String P = "net.netfilter.nf_conntrack_";

  static CtTimeouts from(HostModel host) {
    final CtTimeouts t = new CtTimeouts();
    t.udpUnreplied = secs(host, "udp_timeout", t.udpUnreplied);
    t.udpReplied = secs(host, "udp_timeout_stream", t.udpReplied);
    t.icmp = secs(host, "icmp_timeout", t.icmp);
    t.generic = secs(host, "generic_timeout", t.generic);
    t.greUnreplied = secs(host, "gre_timeout", t.greUnreplied);
    t.greReplied = secs(host, "gre_timeout_stream", t.greReplied);
    t.tcpMaxRetrans = host.sysctlInt(P + "tcp_max_retrans", t.tcpMaxRetrans);
    t.tcpLoose = host.sysctlInt(P + "tcp_loose", t.tcpLoose ? 1 : 0) != 0;
    t.tcpBeLiberal = host.sysctlInt(P + "tcp_be_liberal", t.tcpBeLiberal ? 1 : 0) != 0;
    t.tcpIgnoreInvalidRst =
        host.sysctlInt(P + "tcp_ignore_invalid_rst", t.tcpIgnoreInvalidRst ? 1 : 0) != 0;
    t.checksum = host.sysctlInt(P + "checksum", t.checksum ? 1 : 0) != 0;
    tcp(host, t, TcpConntrack.SYN_SENT, "syn_sent");
    tcp(host, t, TcpConntrack.SYN_RECV, "syn_recv");
    tcp(host, t, TcpConntrack.ESTABLISHED, "established");
    tcp(host, t, TcpConntrack.FIN_WAIT, "fin_wait");
    tcp(host, t, TcpConntrack.CLOSE_WAIT, "close_wait");
    tcp(host, t, TcpConntrack.LAST_ACK, "last_ack");
    tcp(host, t, TcpConntrack.TIME_WAIT, "time_wait");
    tcp(host, t, TcpConntrack.CLOSE, "close");
    tcp(host, t, TcpConntrack.UNACK, "unacknowledged");
    // tcp_timeout_max_retrans is the RETRANS timeout's sysctl name
    t.tcp[TcpConntrack.RETRANS] = secs(host, "tcp_timeout_max_retrans", t.tcp[TcpConntrack.RETRANS]);
    for (int s = 1; s < t.sctp.length; s++) {
      t.sctp[s] = secs(host, "sctp_timeout_" + CtTimeouts.SCTP_STATE_NAMES.get(s), t.sctp[s]);
    }
    return t;
  }

  static int max(HostModel host, int dflt) {
    return host.sysctlInt(P + "max", dflt);
  }

  private static void tcp(HostModel host, CtTimeouts t, int state, String name) {
    t.tcp[state] = secs(host, "tcp_timeout_" + name, t.tcp[state]);
  }

  private static long secs(HostModel host, String key, long dfltNanos) {
    final int v = host.sysctlInt(P + key, -1);
    return v < 0 ? dfltNanos : Ct.secs(v);
  }
}
