package io.nfeval.engine;

import io.nfeval.host.RouteResult;
import io.nfeval.packet.PacketView;

/** What the engine learned about one packet beyond the skb itself: for trace and summary. */
public final class PacketInfo {
  public Hook entryHook;
  /** Name of the input device the packet arrived on (null for locally generated packets). */
  public String inName;
  /** A rule with a module nfeval does not know matched or was tried (--unknown policy). */
  public boolean unknownRule;
  public Disposition disposition;
  /** Hook and step where the packet was stopped, when it was. */
  public Hook dropHook;
  public HookGraph.Step dropStep;
  public RouteResult route;
  public boolean rejected;
  public boolean rejectWithTcpReset;
  public boolean conntrackDrop;
  /** A conntrack helper dropped the packet (nf_conntrack_ftp: a partial command). */
  public boolean helperDrop;
  public int ctInvalidReason;
  public boolean natRewritten;
  public boolean looped;
  /** Bridged under br_netfilter. */
  public boolean bridged;
  /** The packet is the kernel's own answer and carries the entry of the packet it answers. */
  public boolean attached;
  /** Built by nfeval: the kernel's answer to a REJECT, not in the capture. */
  public boolean generated;
  /** ct status when ip_forward ran (before FORWARD), -1 if none. */
  public int statusAtForward;
  /** For an ICMP redirect carrying its trigger's connection: that status, else -1. */
  public int redirectStatus;
  /** Original tuple as captured. */
  public int origSrc;
  public int origDst;
  public int origProto;
  public int origSport;
  public int origDport;
  /** ct state as first seen by conntrack (IP_CT_* or CT_INVALID / CT_UNTRACKED). */
  public int firstCtInfo;

  void reset(Skb skb) {
    entryHook = null;
    inName = null;
    unknownRule = false;
    disposition = null;
    dropHook = null;
    dropStep = null;
    route = null;
    rejected = false;
    rejectWithTcpReset = false;
    conntrackDrop = false;
    helperDrop = false;
    ctInvalidReason = 0;
    natRewritten = false;
    looped = false;
    bridged = false;
    attached = false;
    generated = false;
    statusAtForward = -1;
    redirectStatus = -1;
    origSrc = skb.saddr();
    origDst = skb.daddr();
    origProto = skb.protocol();
    final boolean ports = skb.view.l4HeaderPresent()
        && (origProto == 6 || origProto == 17);
    if (origProto == PacketView.IPPROTO_SCTP) {
      origSport = skb.view.sctpSrcPort();
      origDport = skb.view.sctpDstPort();
      return;
    }
    origSport = ports ? skb.view.srcPort() : (origProto == 1 && skb.view.l4HeaderPresent()
        ? skb.view.icmpType() : -1);
    origDport = ports ? skb.view.dstPort() : (origProto == 1 && skb.view.l4HeaderPresent()
        ? skb.view.icmpCode() : -1);
  }
}
