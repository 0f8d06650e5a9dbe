package io.nfeval.engine;

import io.nfeval.conntrack.ConntrackTable;
import io.nfeval.conntrack.Ct;
import io.nfeval.conntrack.ExpectationTable;
import io.nfeval.conntrack.FtpHelper;
import io.nfeval.host.Inet4;
import io.nfeval.nat.NatCore;
import io.nfeval.nat.NatRange;
import io.nfeval.packet.PacketView;
import io.nfeval.rules.ext.XtVerdict;

/**
 * Conntrack helpers in the engine: tftp (nf_conntrack_tftp.c with nf_nat_tftp), and the ftp helper's help()
 * at nf_confirm (nf_conntrack_ftp.c), with
 * nf_nat_ftp when the control connection is NATed (the expectation moves to the NAT address, the command
 * is rewritten, and a change of its length shifts the control connection's later sequence numbers:
 * nf_ct_seqadj_set), and nf_nat_follow_master for the connections the expectations admit. Made by the
 * engine when a CT template first names a modelled helper ({@code -j CT --helper ftp}: the kernel assigns
 * helpers only so since 6.0).
 */
final class ConntrackHelpers {
  private final Engine engine;
  private final ConntrackTable ct;
  private final ExpectationTable expectations;
  private final FtpHelper ftp;
  private final NatRange range = new NatRange();
  private long rnd = 0x2545F4914F6CDD1DL;

  ConntrackHelpers(Engine engine) {
    this.engine = engine;
    this.ct = engine.conntrack;
    // nf_ct_expect_max = 4 * (nf_conntrack_buckets / 256); the buckets default to nf_conntrack_max
    this.expectations = new ExpectationTable(ct, Math.max(4, 4 * (ct.max() / 256)));
    this.ftp = new FtpHelper(ct);
    ct.enableHelpers(expectations);
    ct.onHelperDestroy(this::destroy);
  }

  /**
   * nf_conntrack_helper.destroy, called as a helper's connection is deleted (timed out, killed, evicted):
   * pptp's ends the GRE connections of the call it tracked, as Call-Disconnect-Notify does.
   */
  private void destroy(int h) {
    if (ct.helper(h) == Ct.HELPER_PPTP) {
      destroyGreSiblings(h, ct.clockNanos());
    }
  }

  /**
   * The connection's helper's help() for a packet of connection {@code h} at nf_confirm. Returns the
   * verdict (DROP for a partial ftp command, or an expectation that cannot be registered).
   */
  int help(Skb skb, int h, int ctinfo) {
    if (ctinfo == Ct.CTINFO_RELATED_REPLY) {
      return XtVerdict.ACCEPT; // nf_confirm: "helper->help() do not expect ICMP packets"
    }
    switch (ct.helper(h)) {
      case Ct.HELPER_FTP:
        return ftp(skb, h, ctinfo);
      case Ct.HELPER_TFTP:
        return tftp(skb, h);
      case Ct.HELPER_NETBIOS_NS:
        broadcast(skb, h, ctinfo, 137, NETBIOS_NS_TIMEOUT_NANOS);
        return XtVerdict.ACCEPT;
      case Ct.HELPER_IRC:
        return irc(skb, h, ctinfo);
      case Ct.HELPER_SANE:
        return sane(skb, h, ctinfo);
      case Ct.HELPER_AMANDA:
        return amanda(skb, h, ctinfo);
      case Ct.HELPER_PPTP:
        pptp(skb, h, ctinfo);
        return XtVerdict.ACCEPT;
      case Ct.HELPER_SNMP:
        // nf_conntrack_snmp: the same broadcast help for SNMP's port; nf_nat_snmp_basic's rewrite of the
        // addresses inside a NATed connection's payload keeps the length (not modelled: counters are
        // the same)
        broadcast(skb, h, ctinfo, 161, SNMP_TIMEOUT_NANOS);
        return XtVerdict.ACCEPT;
      default:
        return XtVerdict.ACCEPT;
    }
  }

  /**
   * nf_conntrack_tftp.c tftp_help, for every packet of the connection (also its NEW ones): a read or write
   * request expects the transfer from the server's address, any port, to the reply tuple's destination
   * (the client as NAT shows it to the server). With NAT (nf_nat_tftp) the expectation follows the master,
   * back to the client's own port.
   */
  private int tftp(Skb skb, int h) {
    final PacketView v = skb.view;
    if (v.protocol() != PacketView.IPPROTO_UDP || !v.l4HeaderPresent() || v.l4Length() < 8 + 2) {
      return XtVerdict.ACCEPT;
    }
    final int at = v.l4Offset() + 8;
    if (v.l4CapturedEnd() < at + 2) {
      skb.assume("tftp helper: request opcode cut by the capture (taken as no request)");
      return XtVerdict.ACCEPT;
    }
    final int opcode = v.buffer().getShort(at) & 0xffff;
    final int op = v.buffer().order() == java.nio.ByteOrder.BIG_ENDIAN ? opcode : Short.reverseBytes((short) opcode) & 0xffff;
    if (op != 1 && op != 2) { // TFTP_OPCODE_READ, TFTP_OPCODE_WRITE
      return XtVerdict.ACCEPT;
    }
    final int src = ct.tupleSrc(h, Ct.DIR_REPLY);
    final int dst = ct.tupleDst(h, Ct.DIR_REPLY);
    final int dport = ct.tupleDport(h, Ct.DIR_REPLY);
    final boolean nat = (ct.status(h) & Ct.IPS_NAT_MASK) != 0;
    final int res = expectations.related(h, src, false, -1, dst, dport, Ct.IPPROTO_UDP, Ct.DIR_REPLY,
        ct.tupleSport(h, Ct.DIR_ORIGINAL), nat, TFTP_EXPECT_TIMEOUT_NANOS, 1, skb.ctNanos);
    return registered(skb, res, "tftp helper", false, src, dst, dport);
  }

  /** nf_conntrack_pptp's expect policy: max_expected 2, timeout 5 minutes. */
  private static final long PPTP_EXPECT_TIMEOUT_NANOS = 300L * 1_000_000_000L;
  private static final int PPTP_MAX_EXPECTED = 2;
  /** pptp_ctrlsess_state. */
  private static final int PPTP_SESSION_NONE = 0;
  private static final int PPTP_SESSION_ERROR = 1;
  private static final int PPTP_SESSION_STOPREQ = 2;
  private static final int PPTP_SESSION_REQUESTED = 3;
  private static final int PPTP_SESSION_CONFIRMED = 4;
  /** pptp_ctrlcall_state. */
  private static final int PPTP_CALL_NONE = 0;
  private static final int PPTP_CALL_OUT_REQ = 2;
  private static final int PPTP_CALL_OUT_CONF = 3;
  private static final int PPTP_CALL_IN_REQ = 4;
  private static final int PPTP_CALL_IN_REP = 5;
  private static final int PPTP_CALL_IN_CONF = 6;
  private static final int PPTP_CALL_CLEAR_REQ = 7;
  /** The helper's words: nf_ct_pptp_master's sstate, cstate, pns_call_id, pac_call_id. */
  private static final int W_SSTATE = 0;
  private static final int W_CSTATE = 1;
  private static final int W_PNS_CALL_ID = 2;
  private static final int W_PAC_CALL_ID = 3;
  /** nf_nat_pptp's nf_nat_pptp: the client's own call id and the server's, kept when NAT renumbers the call. */
  private static final int W_NAT_PNS_CALL_ID = 4;
  private static final int W_NAT_PAC_CALL_ID = 5;
  /**
   * pptp_msg_size: the size of each control message's body (RFC 2637 section 2); a shorter one is not
   * looked at. Echo request and reply have no entry (0).
   */
  private static final int[] PPTP_MSG_SIZE = {0, 144, 144, 4, 4, 0, 0, 156, 20, 208, 12, 16, 4, 136, 28, 12};

  /**
   * nf_conntrack_pptp.c conntrack_pptp_help, once the control connection is established: the control
   * message at the start of a segment moves the session and call state. A call's set-up (Outgoing-Call-Reply
   * accepted, or Incoming-Call-Connected) expects the GRE data channel both ways, keyed by the two call ids,
   * and adds the keymap entries that let the GRE packets' tuples carry both keys (exp_gre); the
   * Call-Disconnect-Notify takes them away and ends the call's GRE connection (pptp_destroy_siblings). The
   * client (PNS) is assumed on the originating side, as the kernel assumes.
   */
  private void pptp(Skb skb, int h, int ctinfo) {
    if (ctinfo != Ct.CTINFO_ESTABLISHED && ctinfo != Ct.CTINFO_ESTABLISHED_REPLY) {
      return; // "don't do any tracking before tcp handshake complete"
    }
    final PacketView v = skb.view;
    if (v.protocol() != PacketView.IPPROTO_TCP || !v.l4HeaderPresent()) {
      return;
    }
    final int datalen = v.tcpPayloadLength();
    if (datalen < 12) {
      return; // no full PPTP header and control header
    }
    final java.nio.ByteBuffer b = v.buffer();
    final int at = v.tcpPayloadOffset();
    if (v.tcpPayloadCaptured() < Math.min(datalen, 12 + 6)) {
      skb.assume("pptp helper: control message cut by the capture (not looked at)");
      return;
    }
    if ((b.getShort(at + 2) & 0xffff) != 1 || b.getInt(at + 4) != 0x1A2B3C4D) {
      return; // not a control packet (PPTP_PACKET_CONTROL, PPTP_MAGIC_COOKIE)
    }
    final int msg = b.getShort(at + 8) & 0xffff;
    final int reqlen = datalen - 12;
    if (msg > 0 && msg < PPTP_MSG_SIZE.length && reqlen < PPTP_MSG_SIZE[msg]) {
      return;
    }
    final int req = at + 12;
    final boolean nat = (ct.status(h) & Ct.IPS_NAT_MASK) != 0;
    final long now = skb.ctNanos;
    final int sstate = ct.helperWord(h, W_SSTATE);
    final int cstate = ct.helperWord(h, W_CSTATE);
    if (Ct.dir(ctinfo) == Ct.DIR_ORIGINAL) {
      // pptp_outbound_pkt: client to server; a message it finds invalid is not given to nf_nat_pptp
      switch (msg) {
        case 1: // START_SESSION_REQUEST
          if (sstate != PPTP_SESSION_NONE) {
            return;
          }
          ct.setHelperWord(h, W_SSTATE, PPTP_SESSION_REQUESTED);
          return; // nf_nat_pptp leaves the session messages alone
        case 3: // STOP_SESSION_REQUEST
          ct.setHelperWord(h, W_SSTATE, PPTP_SESSION_STOPREQ);
          return;
        case 7: // OUT_CALL_REQUEST: track the PNS call id
          if (sstate != PPTP_SESSION_CONFIRMED) {
            return;
          }
          ct.setHelperWord(h, W_CSTATE, PPTP_CALL_OUT_REQ);
          ct.setHelperWord(h, W_PNS_CALL_ID, u16(b, req));
          if (nat) {
            // nf_nat_pptp: the client's call id is kept, and the call is renumbered to the TCP port the
            // server sees the client on ("This breaks multiple calls within one control session")
            ct.setHelperWord(h, W_NAT_PNS_CALL_ID, ct.helperWord(h, W_PNS_CALL_ID));
            ct.setHelperWord(h, W_PNS_CALL_ID, ct.tuplePorts(h, Ct.DIR_REPLY) & 0xffff);
            natRewriteCallId(skb, req, ct.helperWord(h, W_PNS_CALL_ID));
          }
          return;
        case 10: { // IN_CALL_REPLY
          if ((cstate != PPTP_CALL_IN_REQ && cstate != PPTP_CALL_IN_REP)
              || ct.helperWord(h, W_PAC_CALL_ID) != u16(b, req + 2)) {
            return;
          }
          if ((b.get(req + 4) & 0xff) == 1) { // PPTP_INCALL_ACCEPT
            ct.setHelperWord(h, W_CSTATE, PPTP_CALL_IN_REP);
            ct.setHelperWord(h, W_PNS_CALL_ID, u16(b, req));
          } else {
            ct.setHelperWord(h, W_CSTATE, PPTP_CALL_NONE);
          }
          if (nat) {
            natRewriteCallId(skb, req, ct.helperWord(h, W_PNS_CALL_ID));
          }
          return;
        }
        case 12: // CALL_CLEAR_REQUEST
          if (sstate != PPTP_SESSION_CONFIRMED) {
            return;
          }
          ct.setHelperWord(h, W_CSTATE, PPTP_CALL_CLEAR_REQ);
          if (nat) {
            natRewriteCallId(skb, req, ct.helperWord(h, W_PNS_CALL_ID));
          }
          return;
        default: // SET_LINK_INFO, ECHO_*: nothing; anything else is invalid (ignored)
          return;
      }
    }
    // pptp_inbound_pkt: server to client
    int peerCallIdAt = req; // where nf_nat_pptp writes the client's own call id back
    switch (msg) {
      case 2: // START_SESSION_REPLY
        if (sstate < PPTP_SESSION_REQUESTED) {
          return;
        }
        ct.setHelperWord(h, W_SSTATE, (b.get(req + 2) & 0xff) == 1 ? PPTP_SESSION_CONFIRMED : PPTP_SESSION_ERROR);
        return;
      case 4: // STOP_SESSION_REPLY
        if (sstate > PPTP_SESSION_STOPREQ) {
          return;
        }
        ct.setHelperWord(h, W_SSTATE, (b.get(req) & 0xff) == 1 ? PPTP_SESSION_NONE : PPTP_SESSION_ERROR);
        return;
      case 8: { // OUT_CALL_REPLY: the server accepted the call, GRE follows
        if (sstate != PPTP_SESSION_CONFIRMED || (cstate != PPTP_CALL_OUT_REQ && cstate != PPTP_CALL_OUT_CONF)) {
          return;
        }
        final int cid = u16(b, req);
        final int pcid = u16(b, req + 2);
        if (ct.helperWord(h, W_PNS_CALL_ID) != pcid) {
          return;
        }
        if ((b.get(req + 4) & 0xff) == 1) { // PPTP_OUTCALL_CONNECT
          ct.setHelperWord(h, W_CSTATE, PPTP_CALL_OUT_CONF);
          ct.setHelperWord(h, W_PAC_CALL_ID, cid);
          expectGre(skb, h, cid, pcid, nat, now);
        } else {
          ct.setHelperWord(h, W_CSTATE, PPTP_CALL_NONE);
        }
        peerCallIdAt = req + 2;
        break;
      }
      case 9: // IN_CALL_REQUEST
        if (sstate != PPTP_SESSION_CONFIRMED) {
          return;
        }
        ct.setHelperWord(h, W_CSTATE, PPTP_CALL_IN_REQ);
        ct.setHelperWord(h, W_PAC_CALL_ID, u16(b, req));
        return; // "only need to nat in case PAC is behind NAT box"
      case 11: { // IN_CALL_CONNECT
        if (sstate != PPTP_SESSION_CONFIRMED || (cstate != PPTP_CALL_IN_REP && cstate != PPTP_CALL_IN_CONF)) {
          return;
        }
        final int pcid = u16(b, req);
        if (ct.helperWord(h, W_PNS_CALL_ID) != pcid) {
          return;
        }
        ct.setHelperWord(h, W_CSTATE, PPTP_CALL_IN_CONF);
        expectGre(skb, h, ct.helperWord(h, W_PAC_CALL_ID), pcid, nat, now);
        break;
      }
      case 13: // CALL_DISCONNECT_NOTIFY: untrack the call
        ct.setHelperWord(h, W_CSTATE, PPTP_CALL_NONE);
        destroyGreSiblings(h, now);
        break;
      case 14: // WAN_ERROR_NOTIFY
      case 15: // SET_LINK_INFO
        break;
      default: // ECHO_*: nothing to track or rewrite; anything else is invalid (ignored)
        return;
    }
    if (nat) {
      natRewriteCallId(skb, peerCallIdAt, ct.helperWord(h, W_NAT_PNS_CALL_ID));
    }
  }

  /**
   * nf_nat_mangle_tcp_packet of a call id (two bytes, so no sequence adjustment): written into the packet
   * with its TCP checksum patched, and shown in the trace.
   */
  private void natRewriteCallId(Skb skb, int at, int callId) {
    final PacketView v = skb.view;
    final int old = v.buffer().getShort(at) & 0xffff;
    if (old == callId) {
      return;
    }
    io.nfeval.packet.PacketWriter.setTcpPayloadWord(v, at, callId);
    if (skb.tracing) {
      skb.log("pptp helper", "NAT: call id " + old + " -> " + callId);
    }
  }

  private static int u16(java.nio.ByteBuffer b, int at) {
    return b.getShort(at) & 0xffff;
  }

  /**
   * exp_gre: the GRE connection of a call expected both ways (original: client to server with the keys
   * client call id, server call id; reply: the other way round), then the keymap entries for both; an
   * expectation or keymap that cannot be added undoes the others. On a NATed control connection
   * nf_nat_pptp's pptp_exp_gre first moves the keys: the original direction is expected with the client's
   * own call id and the reply direction with the renumbered one, each saving the other for the GRE
   * connection's NAT (pptpExpected).
   */
  private void expectGre(Skb skb, int h, int callId, int peerCallId, boolean nat, long now) {
    final int os = ct.tupleSrc(h, Ct.DIR_ORIGINAL);
    final int od = ct.tupleDst(h, Ct.DIR_ORIGINAL);
    final int rs = ct.tupleSrc(h, Ct.DIR_REPLY);
    final int rd = ct.tupleDst(h, Ct.DIR_REPLY);
    final int zone = ct.zone(h);
    int osKey = peerCallId;
    int odKey = callId;
    int rsKey = callId;
    int rdKey = peerCallId;
    int osSaved = 0;
    int rsSaved = 0;
    if (nat) {
      ct.setHelperWord(h, W_NAT_PAC_CALL_ID, ct.helperWord(h, W_PAC_CALL_ID));
      osSaved = ct.helperWord(h, W_PNS_CALL_ID);
      osKey = ct.helperWord(h, W_NAT_PNS_CALL_ID);
      odKey = ct.helperWord(h, W_PAC_CALL_ID);
      rsSaved = ct.helperWord(h, W_NAT_PNS_CALL_ID);
      rsKey = ct.helperWord(h, W_NAT_PAC_CALL_ID);
      rdKey = ct.helperWord(h, W_PNS_CALL_ID);
    }
    if (expectations.related(h, os, false, osKey, od, odKey, Ct.IPPROTO_GRE, Ct.DIR_ORIGINAL, osSaved, false,
        PPTP_EXPECT_TIMEOUT_NANOS, PPTP_MAX_EXPECTED, now) != ExpectationTable.OK) {
      skb.log("pptp helper", "cannot add expectation");
      return;
    }
    if (expectations.related(h, rs, false, rsKey, rd, rdKey, Ct.IPPROTO_GRE, Ct.DIR_REPLY, rsSaved, false,
        PPTP_EXPECT_TIMEOUT_NANOS, PPTP_MAX_EXPECTED, now) != ExpectationTable.OK) {
      expectations.unexpect(os, od, osKey << 16 | odKey, Ct.IPPROTO_GRE, zone, now);
      skb.log("pptp helper", "cannot add expectation");
      return;
    }
    if (!ct.greKeymap().add(h, os, od, osKey, odKey, rs, rd, rsKey, rdKey)) {
      expectations.unexpect(rs, rd, rsKey << 16 | rdKey, Ct.IPPROTO_GRE, zone, now);
      expectations.unexpect(os, od, osKey << 16 | odKey, Ct.IPPROTO_GRE, zone, now);
      skb.log("pptp helper", "keymap holds another call: GRE of call " + callId + " not expected");
      return;
    }
    if (skb.tracing) {
      skb.log("pptp helper", "expect GRE " + Inet4.format(os) + " key " + osKey + " -> " + Inet4.format(od)
          + " key " + odKey + " and " + Inet4.format(rs) + " key " + rsKey + " -> " + Inet4.format(rd) + " key "
          + rdKey);
    }
  }

  /**
   * pptp_destroy_siblings: the keymap entries go, and for each direction of the call the GRE connection
   * with its keys is ended (destroy_sibling_or_exp), or else the expectation of it removed.
   */
  private void destroyGreSiblings(int h, long now) {
    ct.greKeymap().destroy(h);
    final int pns = ct.helperWord(h, W_PNS_CALL_ID);
    final int pac = ct.helperWord(h, W_PAC_CALL_ID);
    final int zone = ct.zone(h);
    for (int dir = Ct.DIR_ORIGINAL; dir <= Ct.DIR_REPLY; dir++) {
      final int s = ct.tupleSrc(h, dir);
      final int d = ct.tupleDst(h, dir);
      final int keys = dir == Ct.DIR_ORIGINAL ? pns << 16 | pac : pac << 16 | pns;
      final int ref = ct.find(s, d, keys, Ct.IPPROTO_GRE, zone, now);
      if (ref >= 0) {
        ct.kill(ref >> 1);
      } else {
        expectations.unexpect(s, d, keys, Ct.IPPROTO_GRE, zone, now);
      }
    }
  }

  /** nf_conntrack_netbios_ns's timeout module parameter (3 s): its expectations' and master's timeout. */
  private static final long NETBIOS_NS_TIMEOUT_NANOS = 3_000_000_000L;
  /** nf_conntrack_snmp's timeout module parameter (30 s). */
  private static final long SNMP_TIMEOUT_NANOS = 30_000_000_000L;

  /**
   * nf_conntrack_broadcast_help (netbios-ns, snmp): a query the host itself sends to a subnet-directed broadcast
   * address expects answers from any host of that subnet, from the helper's port to the query's source
   * port; the expectation is permanent (it admits every answer until it times out) and the query's
   * connection is given the helper's timeout.
   */
  private void broadcast(Skb skb, int h, int ctinfo, int helperPort, long timeout) {
    final io.nfeval.host.RouteResult rt = engine.info.route;
    if (!skb.localOrigin || skb.socketKind == io.nfeval.rules.ext.PacketContext.SOCKET_NONE || rt == null
        || (rt.flags() & io.nfeval.host.RouteResult.RTCF_BROADCAST) == 0 || Ct.dir(ctinfo) != Ct.DIR_ORIGINAL
        || rt.oif() == null) {
      return;
    }
    final int daddr = skb.view.dstAddr();
    int mask = 0;
    for (io.nfeval.host.IfAddress a : rt.oif().addresses()) {
      if (!a.isSecondary() && a.broadcast() == daddr) {
        mask = a.mask();
        break;
      }
    }
    if (mask == 0) {
      return;
    }
    final long now = skb.ctNanos;
    // exp->tuple = the reply tuple with the helper's source port; mask: the subnet, the port exact
    expectations.related(h, ct.tupleSrc(h, Ct.DIR_REPLY), mask, helperPort, ct.tupleDst(h, Ct.DIR_REPLY),
        ct.tupleDport(h, Ct.DIR_REPLY), ct.proto(h), Ct.DIR_REPLY, 0, false, true, timeout, 1, now);
    ct.refresh(h, now, timeout);
    if (skb.tracing) {
      skb.log(Ct.helperName(ct.helper(h)) + " helper", "expect answers from " + Inet4.format(daddr & mask) + "/" + Integer.bitCount(mask)
          + ":" + helperPort);
    }
  }

  /** nf_conntrack_sane's expect policy: max_expected 1, timeout 5 minutes; its one word of state. */
  private static final long SANE_EXPECT_TIMEOUT_NANOS = 300L * 1_000_000_000L;
  private static final int SANE_STATE_START_REQUESTED = 1;

  /**
   * nf_conntrack_sane.c help(): the client's 8-byte request with RPC code SANE_NET_START (7) makes the
   * server's next reply interesting; a reply with status SANE_STATUS_SUCCESS (0) and a zero word then
   * names the port of the data connection: expected from the client to the server on that port, from
   * any source port. Any other request resets the state. No NAT part exists for sane.
   */
  private int sane(Skb skb, int h, int ctinfo) {
    if (ctinfo != Ct.CTINFO_ESTABLISHED && ctinfo != Ct.CTINFO_ESTABLISHED_REPLY) {
      return XtVerdict.ACCEPT; // "Until there's been traffic both ways, don't look in packets."
    }
    final PacketView v = skb.view;
    if (v.protocol() != PacketView.IPPROTO_TCP || !v.l4HeaderPresent()) {
      return XtVerdict.ACCEPT;
    }
    final int datalen = v.tcpPayloadLength();
    if (datalen <= 0) {
      return XtVerdict.ACCEPT;
    }
    final java.nio.ByteBuffer b = v.buffer();
    final int at = v.tcpPayloadOffset();
    final boolean cut = v.tcpPayloadCaptured() < Math.min(datalen, 8);
    if (Ct.dir(ctinfo) == Ct.DIR_ORIGINAL) {
      if (datalen != 8) {
        return XtVerdict.ACCEPT;
      }
      if (cut) {
        skb.assume("sane helper: request cut by the capture (taken as another command)");
        ct.setHelperWord(h, 0, 0);
        return XtVerdict.ACCEPT;
      }
      ct.setHelperWord(h, 0, b.getInt(at) == 7 ? SANE_STATE_START_REQUESTED : 0);
      return XtVerdict.ACCEPT;
    }
    if (ct.helperWord(h, 0) != SANE_STATE_START_REQUESTED) {
      return XtVerdict.ACCEPT;
    }
    ct.setHelperWord(h, 0, 0);
    if (datalen < 8) {
      return XtVerdict.ACCEPT;
    }
    if (cut) {
      skb.assume("sane helper: NET_START reply cut by the capture (taken as unsuccessful)");
      return XtVerdict.ACCEPT;
    }
    if (b.getInt(at) != 0 || b.getShort(at + 4) != 0) {
      return XtVerdict.ACCEPT; // unsuccessful, or not a port it understands
    }
    final int port = b.getShort(at + 6) & 0xffff;
    final int src = ct.tupleSrc(h, Ct.DIR_ORIGINAL);
    final int dst = ct.tupleDst(h, Ct.DIR_ORIGINAL);
    final int res = expectations.related(h, src, false, -1, dst, port, Ct.IPPROTO_TCP, Ct.DIR_ORIGINAL, port,
        false, SANE_EXPECT_TIMEOUT_NANOS, 1, skb.ctNanos);
    return registered(skb, res, "sane helper", false, src, dst, port);
  }

  /**
   * nf_conntrack_amanda's expect policy (max_expected 4, one per keyword; timeout 180 s) and master_timeout
   * (300 s). Kernel scenario amanda-helper: a fifth port evicts the first.
   */
  private static final int AMANDA_MAX_EXPECTED = 4;
  private static final long AMANDA_EXPECT_TIMEOUT_NANOS = 180L * 1_000_000_000L;
  private static final long AMANDA_MASTER_TIMEOUT_NANOS = 300L * 1_000_000_000L;
  private static final byte[] AMANDA_CONNECT = "CONNECT ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[][] AMANDA_PORTS = {
      "DATA ".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
      "MESG ".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
      "INDEX ".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
      "STATE ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)};

  /**
   * nf_conntrack_amanda.c amanda_help(), for the replies of a UDP conversation the Amanda server opened to
   * a client's port 10080: each gives the master the helper's 5-minute timeout; a reply with
   * {@code CONNECT } and a newline after it names, between the two, the ports of the data, message, index
   * and state connections ({@code DATA n}, {@code MESG n}, {@code INDEX n}, {@code STATE n}, each searched
   * for on its own, five digits at most). Each expects a TCP connection from the server to the client on that port, from
   * any source port; a port that reads as 0 (truncated to 16 bits) ends the list. With NAT (nf_nat_amanda)
   * the expectation follows the master on that or a free port; the new number's text is written into the
   * reply (a different length changes the reply's bytes: not modelled, flagged).
   */
  private int amanda(Skb skb, int h, int ctinfo) {
    if (Ct.dir(ctinfo) == Ct.DIR_ORIGINAL) {
      return XtVerdict.ACCEPT; // "Only look at packets from the Amanda server": the client's replies
    }
    final long now = skb.ctNanos;
    ct.refresh(h, now, AMANDA_MASTER_TIMEOUT_NANOS);
    final PacketView v = skb.view;
    if (v.protocol() != PacketView.IPPROTO_UDP || !v.l4HeaderPresent() || v.l4Length() <= 8) {
      return XtVerdict.ACCEPT; // no data
    }
    final java.nio.ByteBuffer b = v.buffer();
    final int dataoff = v.l4Offset() + 8;
    int end = v.l4Offset() + v.l4Length(); // skb->len: the IP datagram, whatever the UDP length says
    if (v.l4CapturedEnd() < end) {
      skb.assume("amanda helper: reply cut by the capture (searched as captured)");
      end = Math.max(dataoff, v.l4CapturedEnd());
    }
    int start = find(b, dataoff, end, AMANDA_CONNECT);
    if (start < 0) {
      return XtVerdict.ACCEPT;
    }
    start += AMANDA_CONNECT.length;
    int stop = start;
    while (stop < end && b.get(stop) != '\n') {
      stop++;
    }
    if (stop >= end) {
      return XtVerdict.ACCEPT;
    }
    final int src = ct.tupleSrc(h, Ct.DIR_ORIGINAL);
    final int dst = ct.tupleDst(h, Ct.DIR_ORIGINAL);
    final boolean nat = (ct.status(h) & Ct.IPS_NAT_MASK) != 0;
    int verdict = XtVerdict.ACCEPT; // a port that cannot be expected drops the reply; the others still are
    for (byte[] keyword : AMANDA_PORTS) {
      int off = find(b, start, stop, keyword);
      if (off < 0) {
        continue;
      }
      off += keyword.length;
      final int len = Math.min(5, stop - off);
      int digits = 0;
      long value = 0;
      while (digits < len && b.get(off + digits) >= '0' && b.get(off + digits) <= '9') {
        value = value * 10 + (b.get(off + digits) - '0'); // simple_strtoul
        digits++;
      }
      final int port = (int) (value & 0xffff); // htons() of the unsigned long keeps 16 bits
      if (port == 0) {
        break;
      }
      if (nat) {
        final int port2 = natExpect(skb, h, src, false, dst, port, Ct.DIR_ORIGINAL, AMANDA_EXPECT_TIMEOUT_NANOS,
            AMANDA_MAX_EXPECTED, now, "amanda helper");
        if (port2 < 0) {
          verdict = XtVerdict.DROP;
          continue;
        }
        if (Integer.toString(port2).length() != digits) {
          skb.assume("amanda helper: NAT port " + port2 + " rewrites the reply to another length (bytes as captured)");
        }
        continue;
      }
      final int res = expectations.related(h, src, false, -1, dst, port, Ct.IPPROTO_TCP, Ct.DIR_ORIGINAL, port,
          false, AMANDA_EXPECT_TIMEOUT_NANOS, AMANDA_MAX_EXPECTED, now);
      if (registered(skb, res, "amanda helper", false, src, dst, port) != XtVerdict.ACCEPT) {
        verdict = XtVerdict.DROP;
      }
    }
    return verdict;
  }

  /** textsearch over [from, to): where {@code s} starts, or -1. */
  private static int find(java.nio.ByteBuffer b, int from, int to, byte[] s) {
    for (int i = from; i + s.length <= to; i++) {
      if (startsWith(b, i, to, s)) {
        return i;
      }
    }
    return -1;
  }

  /** nf_conntrack_irc's expect policy: max_dcc_channels 8, dcc_timeout 300 s. */
  private static final int IRC_MAX_EXPECTED = 8;
  private static final long IRC_EXPECT_TIMEOUT_NANOS = 300L * 1_000_000_000L;
  private static final byte[][] DCC_PROTOS = {
      "SEND ".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
      "CHAT ".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
      "MOVE ".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
      "TSEND ".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
      "SCHAT ".getBytes(java.nio.charset.StandardCharsets.US_ASCII)};

  /**
   * nf_conntrack_irc.c help(), for the client's packets once traffic went both ways: a {@code PRIVMSG}
   * whose message (after {@code " :"}) is {@code \1DCC SEND|CHAT|MOVE|TSEND|SCHAT arg ip port} with a
   * newline somewhere after it expects a TCP connection from anywhere to the client's address (as the
   * server sees it) and that port, if the ip is the client's own or its NAT address and the port is not 0.
   * With NAT (nf_nat_irc) the expectation moves to the NAT address (and a free port) and the command is
   * rewritten, a change of length adjusting the sequence numbers.
   */
  private int irc(Skb skb, int h, int ctinfo) {
    if (ctinfo != Ct.CTINFO_ESTABLISHED) {
      return XtVerdict.ACCEPT; // the server's packets, and the client's before traffic went both ways
    }
    final int len = payloadToParse(skb, "irc helper: payload");
    if (len == 0) {
      return XtVerdict.ACCEPT;
    }
    final PacketView v = skb.view;
    final java.nio.ByteBuffer b = v.buffer();
    final int base = v.tcpPayloadOffset();
    final int limit = base + len;
    int data = base;
    while (data < limit - 10) {
      final int c = b.get(data);
      if (c == ' ' || c == '\r' || c == '\n') {
        data++;
      } else {
        break;
      }
    }
    if (data < limit - 10) {
      if (!startsWithIgnoreCase(b, data, "PRIVMSG ")) {
        return XtVerdict.ACCEPT;
      }
      data += 8;
    }
    while (data < limit - 26) {
      if (b.get(data) != ' ' || b.get(data + 1) != ':') {
        data++;
        continue;
      }
      data += 2;
      if (b.get(data) != 1 || b.get(data + 1) != 'D' || b.get(data + 2) != 'C' || b.get(data + 3) != 'C'
          || b.get(data + 4) != ' ') {
        return XtVerdict.ACCEPT;
      }
      data += 5;
      for (byte[] proto : DCC_PROTOS) {
        if (!startsWith(b, data, limit, proto)) {
          continue;
        }
        data += proto.length;
        return dcc(skb, h, b, data, limit);
      }
    }
    return XtVerdict.ACCEPT;
  }

  /** parse_dcc and what follows it: the expectation, through nf_nat_irc when the connection is NATed. */
  private int dcc(Skb skb, int h, java.nio.ByteBuffer b, int data, int end) {
    // "while (*data++ != ' ') if (data > data_end - 12) return -1": past the argument
    while (b.get(data++) != ' ') {
      if (data > end - 12) {
        return XtVerdict.ACCEPT;
      }
    }
    int nl = data;
    while (nl < end && b.get(nl) != '\n') {
      nl++;
    }
    if (nl >= end) {
      return XtVerdict.ACCEPT; // no newline: simple_strtoul could run past the packet
    }
    final int begin = data;
    long ip = 0;
    while (data < end && b.get(data) >= '0' && b.get(data) <= '9') {
      ip = ip * 10 + (b.get(data++) - '0'); // simple_strtoul, truncated to 32 bits by cpu_to_be32
    }
    while (data < end && b.get(data) == ' ') {
      data++;
    }
    long port = 0;
    while (data < end && b.get(data) >= '0' && b.get(data) <= '9') {
      port = port * 10 + (b.get(data++) - '0');
    }
    final int dccIp = (int) ip;
    final int dccPort = (int) (port & 0xffff);
    final int matchLen = data - begin;
    final int dir = Ct.DIR_ORIGINAL;
    if ((ct.tupleSrc(h, dir) != dccIp && ct.tupleDst(h, 1 - dir) != dccIp) || dccPort == 0) {
      skb.log("irc helper", "forged DCC command");
      return XtVerdict.ACCEPT;
    }
    final int expDst = ct.tupleDst(h, 1 - dir);
    final long now = skb.ctNanos;
    if ((ct.status(h) & Ct.IPS_NAT_MASK) != 0) {
      // nf_nat_irc: the reply comes from the server, to the NAT address, on a free port
      final int port2 = natExpect(skb, h, 0, true, expDst, dccPort, 1 - dir, IRC_EXPECT_TIMEOUT_NANOS,
          IRC_MAX_EXPECTED, now, "irc helper");
      if (port2 < 0) {
        return XtVerdict.DROP;
      }
      final int newLen = Long.toString(expDst & 0xffffffffL).length() + 1 + Integer.toString(port2).length();
      ct.seqAdjSet(h, dir, (int) skb.view.tcpSeq(), newLen - matchLen);
      return XtVerdict.ACCEPT;
    }
    final int res = expectations.related(h, 0, true, -1, expDst, dccPort, Ct.IPPROTO_TCP, dir, dccPort, false,
        IRC_EXPECT_TIMEOUT_NANOS, IRC_MAX_EXPECTED, now);
    return registered(skb, res, "irc helper", true, 0, expDst, dccPort);
  }

  /**
   * The helper's verdict once nf_ct_expect_related answered {@code res}: a registered expectation is
   * traced and the packet goes on; one that could not be registered drops the packet ("cannot add
   * expectation").
   */
  private static int registered(Skb skb, int res, String helper, boolean anySource, int src, int dst, int port) {
    if (res != ExpectationTable.OK) {
      skb.log(helper, "cannot add expectation");
      return XtVerdict.DROP;
    }
    if (skb.tracing) {
      skb.log(helper, "expect " + (anySource ? "any" : Inet4.format(src)) + " -> " + Inet4.format(dst) + ":" + port);
    }
    return XtVerdict.ACCEPT;
  }

  /**
   * How much of the TCP segment's payload a helper parses: all of it, or what the capture holds (flagged
   * as {@code what} cut by the capture); 0 for none.
   */
  private static int payloadToParse(Skb skb, String what) {
    final PacketView v = skb.view;
    if (v.protocol() != PacketView.IPPROTO_TCP || !v.l4HeaderPresent()) {
      return 0;
    }
    final int len = v.tcpPayloadLength();
    if (len <= 0) {
      return 0;
    }
    final int captured = v.tcpPayloadCaptured();
    if (captured < len) {
      skb.assume(what + " cut by the capture (parsed as captured)");
      return Math.max(0, captured);
    }
    return len;
  }

  private static boolean startsWithIgnoreCase(java.nio.ByteBuffer b, int at, String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.toUpperCase((char) (b.get(at + i) & 0xff)) != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsWith(java.nio.ByteBuffer b, int at, int end, byte[] s) {
    if (at + s.length > end) {
      return false;
    }
    for (int i = 0; i < s.length; i++) {
      if (b.get(at + i) != s[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * nf_nat_exp_find_port: registers the expectation (following the master, in direction {@code expDir})
   * on {@code port} or, when another master expects that, on a random one above it (128 tries); the port,
   * or -1 after logging "all ports in use".
   */
  private int natExpect(Skb skb, int h, int expSrc, boolean anySource, int expDst, int saved, int expDir,
      long timeout, int maxExpected, long now, String helper) {
    final int span = 65535 - saved;
    int attemptsLeft = Math.min(span, 128);
    int port = saved;
    while (true) {
      final int res = expectations.related(h, expSrc, anySource, -1, expDst, port, Ct.IPPROTO_TCP, expDir, saved,
          true, timeout, maxExpected, now);
      if (res == ExpectationTable.OK) {
        if (skb.tracing) {
          skb.log(helper, "expect " + (anySource ? "any" : Inet4.format(expSrc)) + " -> " + Inet4.format(expDst)
              + ":" + port);
        }
        return port;
      }
      if (res != ExpectationTable.EBUSY || --attemptsLeft < 0 || span <= 0) {
        skb.log(helper, "all ports in use");
        return -1;
      }
      port = saved + (int) Long.remainderUnsigned(next(), span);
    }
  }

  /** tftp's expect policy: max_expected 1, timeout 5 minutes. */
  private static final long TFTP_EXPECT_TIMEOUT_NANOS = 300L * 1_000_000_000L;

  private int ftp(Skb skb, int h, int ctinfo) {
    if (ctinfo != Ct.CTINFO_ESTABLISHED && ctinfo != Ct.CTINFO_ESTABLISHED_REPLY) {
      return XtVerdict.ACCEPT; // "Until there's been traffic both ways, don't look in packets."
    }
    final int len = payloadToParse(skb, "ftp helper: control connection payload");
    if (len == 0) {
      return XtVerdict.ACCEPT;
    }
    final PacketView v = skb.view;
    final int dir = Ct.dir(ctinfo);
    final int seq = (int) v.tcpSeq();
    final int r = ftp.help(h, dir, v.buffer(), v.tcpPayloadOffset(), len, seq);
    if (r == FtpHelper.DROP) {
      skb.log("ftp helper", "partial matching of `" + ftp.partial + "'");
      return XtVerdict.DROP;
    }
    if (r != FtpHelper.EXPECT) {
      return XtVerdict.ACCEPT;
    }
    // The expected connection comes from the other end: the reverse direction's tuple.
    final int rdir = 1 - dir;
    final int expSrc = ct.tupleSrc(h, rdir);
    final int expDst = ct.tupleDst(h, rdir);
    if (ftp.addr != ct.tupleSrc(h, dir)) {
      // the command names another host (not recorded without the helper's "loose" parameter)
      return XtVerdict.ACCEPT;
    }
    final long now = skb.ctNanos;
    if ((ct.status(h) & Ct.IPS_NAT_MASK) != 0) {
      return natFtp(skb, h, dir, seq, expSrc, expDst, now);
    }
    final int res = expectations.related(h, expSrc, false, -1, expDst, ftp.port, Ct.IPPROTO_TCP, dir,
        ftp.port, false, FtpHelper.EXPECT_TIMEOUT_NANOS, FtpHelper.MAX_EXPECTED, now);
    return registered(skb, res, "ftp helper", false, expSrc, expDst, ftp.port);
  }

  /**
   * nf_nat_ftp: the connection will come to wherever this packet goes, so it is expected at the reverse
   * direction's destination (the NAT address for a PORT, the server for a 227 reply), on the announced port
   * or, when another master expects that, on a random free one (nf_nat_exp_find_port); the command is
   * rewritten to that address and port, and a change of length adjusts the sequence numbers.
   */
  private int natFtp(Skb skb, int h, int dir, int seq, int expSrc, int expDst, long now) {
    final int newAddr = ct.tupleDst(h, 1 - dir);
    final int port = natExpect(skb, h, expSrc, false, expDst, ftp.port, 1 - dir, FtpHelper.EXPECT_TIMEOUT_NANOS,
        FtpHelper.MAX_EXPECTED, now, "ftp helper");
    if (port < 0) {
      return XtVerdict.DROP;
    }
    final int newLen = FtpHelper.formattedLength(ftp.type, newAddr, port);
    ct.seqAdjSet(h, dir, seq, newLen - ftp.matchLen);
    return XtVerdict.ACCEPT;
  }

  /**
   * The expectfn of an expectation that NAT registered (nf_nat_follow_master): the new connection is NATed
   * like its master, source to where the master sends to, destination to where it was expected, before any
   * nat chain could see it.
   */
  void expected(int h, long now) {
    if (ct.proto(h) == Ct.IPPROTO_GRE && ct.masterHelper(h) == Ct.HELPER_PPTP) {
      pptpExpected(h, now);
      return;
    }
    if (!expectations.foundFollowMaster()) {
      return;
    }
    final int m = ct.master(h);
    final int d = expectations.foundDir();
    final NatCore nat = engine.natCore;
    final int srcAddr = ct.tupleDst(m, 1 - d);
    nat.setupInfo(h, range.set(NatRange.MAP_IPS, srcAddr, srcAddr, 0, 0), NatCore.MANIP_SRC, now);
    final int dstAddr = ct.tupleSrc(m, 1 - d);
    final int p = expectations.foundSavedPort();
    nat.setupInfo(h, range.set(NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED, dstAddr, dstAddr, p, p),
        NatCore.MANIP_DST, now);
  }

  /**
   * pptp_expectfn for a GRE connection one of a call's expectations admitted: the expectation of the other
   * direction is removed (its inverse tuple; without NAT on the master). The longer GRE timeouts it sets are
   * overwritten by nf_conntrack_gre_packet for the still unconfirmed entry, so the defaults apply.
   * With NAT on the master, nf_nat_pptp's pptp_nat_expected does it instead.
   */
  private void pptpExpected(int h, long now) {
    final int m = ct.master(h);
    if ((ct.status(m) & Ct.IPS_NAT_MASK) != 0) {
      pptpNatExpected(h, m, now);
      return;
    }
    final int p = expectations.foundPorts();
    expectations.unexpect(expectations.foundDst(), expectations.foundSrc(), p << 16 | p >>> 16, Ct.IPPROTO_GRE,
        ct.zone(h), now);
  }

  /**
   * pptp_nat_expected: the other direction's expectation goes (its tuple built from the master's and the
   * call ids, NAT's view), then the GRE connection is NATed like its master: source to where the master
   * sends to, destination to where the master's packets come from, and the call id the other side knows
   * given back (the saved key) on the source side when the client spoke first, on the destination side
   * when the server did.
   */
  private void pptpNatExpected(int h, int m, long now) {
    final int d = expectations.foundDir();
    final int zone = ct.zone(h);
    if (d == Ct.DIR_ORIGINAL) {
      expectations.unexpect(ct.tupleSrc(m, Ct.DIR_REPLY), ct.tupleDst(m, Ct.DIR_REPLY),
          ct.helperWord(m, W_PAC_CALL_ID) << 16 | ct.helperWord(m, W_PNS_CALL_ID), Ct.IPPROTO_GRE, zone, now);
    } else {
      expectations.unexpect(ct.tupleSrc(m, Ct.DIR_ORIGINAL), ct.tupleDst(m, Ct.DIR_ORIGINAL),
          ct.helperWord(m, W_NAT_PNS_CALL_ID) << 16 | ct.helperWord(m, W_NAT_PAC_CALL_ID), Ct.IPPROTO_GRE, zone,
          now);
    }
    final int saved = expectations.foundSavedPort();
    natTo(h, NatCore.MANIP_SRC, ct.tupleDst(m, 1 - d), d == Ct.DIR_ORIGINAL, saved, now);
    natTo(h, NatCore.MANIP_DST, ct.tupleSrc(m, 1 - d), d == Ct.DIR_REPLY, saved, now);
  }

  /** nf_nat_setup_info of one manip to {@code addr}, with the key {@code key} too when {@code withKey}. */
  private void natTo(int h, int manip, int addr, boolean withKey, int key, long now) {
    if (withKey) {
      range.set(NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED, addr, addr, key, key);
    } else {
      range.set(NatRange.MAP_IPS, addr, addr, 0, 0);
    }
    engine.natCore.setupInfo(h, range, manip, now);
  }

  private long next() {
    long x = rnd;
    x ^= x >>> 12;
    x ^= x << 25;
    x ^= x >>> 27;
    rnd = x;
    return x * 0x2545F4914F6CDD1DL;
  }
}
