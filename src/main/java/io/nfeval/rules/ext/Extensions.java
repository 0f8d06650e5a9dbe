package io.nfeval.rules.ext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one registry of every match and target nfeval understands. Adding an extension = one class with
 * a {@code SPEC} plus one line here.
 */
public final class Extensions {
  public static final List<ExtSpec<Match>> MATCHES = List.of(
      TcpMatch.SPEC, UdpMatch.SPEC, IcmpMatch.SPEC, SctpMatch.SPEC, MultiportMatch.SPEC, ConntrackMatch.SPEC,
      StateMatch.SPEC, AddrtypeMatch.SPEC, MarkMatch.SPEC, ConnmarkMatch.SPEC, CommentMatch.SPEC,
      IprangeMatch.SPEC, MacMatch.SPEC, LimitMatch.SPEC, HashlimitMatch.SPEC, RecentMatch.SPEC,
      ConnlimitMatch.SPEC, StatisticMatch.SPEC, SetMatch.SPEC, LengthMatch.SPEC, TtlMatch.SPEC, TosMatch.SPEC,
      DscpMatch.SPEC, PkttypeMatch.SPEC, PhysdevMatch.SPEC, OwnerMatch.SPEC, TcpmssMatch.SPEC,
      HelperMatch.SPEC, RpfilterMatch.SPEC, DevgroupMatch.SPEC, SocketMatch.SPEC, PolicyMatch.SPEC,
      U32Match.SPEC, StringMatch.SPEC, NfacctMatch.SPEC, ConnbytesMatch.SPEC, EcnMatch.SPEC, AhMatch.SPEC, EspMatch.SPEC, QuotaMatch.SPEC,
      CpuMatch.SPEC, TimeMatch.SPEC, DccpMatch.SPEC, RealmMatch.SPEC, CgroupMatch.SPEC, ConnlabelMatch.SPEC,
      ClusterMatch.SPEC, IpvsMatch.SPEC, BpfMatch.SPEC, RateestMatch.SPEC);

  public static final List<ExtSpec<Target>> TARGETS = List.of(
      RejectTarget.SPEC, LogTarget.SPEC, NflogTarget.SPEC, UlogTarget.SPEC, MarkTarget.SPEC,
      ConnmarkTarget.SPEC, DnatTarget.SPEC, SnatTarget.SPEC, MasqueradeTarget.SPEC, RedirectTarget.SPEC,
      NetmapTarget.SPEC, CtTarget.SPEC, NotrackTarget.SPEC, TraceTarget.SPEC, TtlTarget.SPEC, TosTarget.SPEC,
      DscpTarget.SPEC, TcpmssTarget.SPEC, ClassifyTarget.SPEC, NfqueueTarget.SPEC, SetTarget.SPEC,
      ChecksumTarget.SPEC, TproxyTarget.SPEC, AuditTarget.SPEC, SecmarkTarget.SPEC,
      ConnsecmarkTarget.SPEC, IdletimerTarget.SPEC, LedTarget.SPEC, TeeTarget.SPEC, SynproxyTarget.SPEC,
      EcnTarget.SPEC, RateestTarget.SPEC, HmarkTarget.SPEC);

  private static final Map<String, ExtSpec<Match>> MATCH_BY_NAME = new LinkedHashMap<>();
  private static final Map<String, ExtSpec<Target>> TARGET_BY_NAME = new LinkedHashMap<>();

  static {
    MATCHES.forEach(s -> MATCH_BY_NAME.put(s.name(), s));
    TARGETS.forEach(s -> TARGET_BY_NAME.put(s.name(), s));
  }

  private Extensions() {}

  /** The match of that {@code -m} name, or null. */
  public static ExtSpec<Match> match(String name) {
    return MATCH_BY_NAME.get(name);
  }

  /** The target of that {@code -j} name, or null. */
  public static ExtSpec<Target> target(String name) {
    return TARGET_BY_NAME.get(name);
  }
}
