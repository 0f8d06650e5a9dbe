package io.nfeval.rules.ext;

import java.util.List;
import java.util.Map;

/**
 * {@code -j REJECT} ({@code ipt_REJECT.c}): drop and answer with an ICMP error or a TCP RST. Only in
 * INPUT, FORWARD and OUTPUT; {@code tcp-reset} needs {@code -p tcp}.
 */
public final class RejectTarget implements Target {
  /** {@code enum ipt_reject_with} in kernel order. */
  public enum With {
    ICMP_NET_UNREACHABLE("icmp-net-unreachable"), ICMP_HOST_UNREACHABLE("icmp-host-unreachable"),
    ICMP_PROT_UNREACHABLE("icmp-proto-unreachable"), ICMP_PORT_UNREACHABLE("icmp-port-unreachable"),
    ICMP_ECHOREPLY("echo-reply"), ICMP_NET_PROHIBITED("icmp-net-prohibited"),
    ICMP_HOST_PROHIBITED("icmp-host-prohibited"), TCP_RESET("tcp-reset"),
    ICMP_ADMIN_PROHIBITED("icmp-admin-prohibited");

    private final String text;

    With(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }
  }

  private static final Map<String, With> NAMES = Map.ofEntries(
      Map.entry("icmp-net-unreachable", With.ICMP_NET_UNREACHABLE), Map.entry("net-unreach", With.ICMP_NET_UNREACHABLE),
      Map.entry("icmp-host-unreachable", With.ICMP_HOST_UNREACHABLE),
      Map.entry("host-unreach", With.ICMP_HOST_UNREACHABLE),
      Map.entry("icmp-proto-unreachable", With.ICMP_PROT_UNREACHABLE),
      Map.entry("proto-unreach", With.ICMP_PROT_UNREACHABLE),
      Map.entry("icmp-port-unreachable", With.ICMP_PORT_UNREACHABLE),
      Map.entry("port-unreach", With.ICMP_PORT_UNREACHABLE),
      Map.entry("icmp-net-prohibited", With.ICMP_NET_PROHIBITED), Map.entry("net-prohib", With.ICMP_NET_PROHIBITED),
      Map.entry("icmp-host-prohibited", With.ICMP_HOST_PROHIBITED),
      Map.entry("host-prohib", With.ICMP_HOST_PROHIBITED),
      Map.entry("tcp-reset", With.TCP_RESET), Map.entry("tcp-rst", With.TCP_RESET),
      Map.entry("icmp-admin-prohibited", With.ICMP_ADMIN_PROHIBITED),
      Map.entry("admin-prohib", With.ICMP_ADMIN_PROHIBITED));

  public static final ExtSpec<Target> SPEC = new ExtSpec<>("REJECT",
      List.of(OptSpec.arg("reject-with")), Map.of(), RejectTarget::new);

  private final With with;

  private RejectTarget(Opts o, ExtContext c) {
    if (c.hookOutside(ExtContext.LOCAL_IN | ExtContext.FORWARD | ExtContext.LOCAL_OUT)) {
      throw new ExtException("REJECT is only valid in INPUT, FORWARD and OUTPUT");
    }
    if (o.has("reject-with")) {
      with = NAMES.get(o.str("reject-with"));
      if (with == null) {
        throw new ExtException("unknown reject type \"" + o.str("reject-with") + "\"");
      }
    } else {
      with = With.ICMP_PORT_UNREACHABLE;
    }
    if (with == With.TCP_RESET && (c.proto() != 6 || c.invProto())) {
      throw new ExtException("TCP_RESET invalid for non-tcp");
    }
  }

  public With with() { return with; }

  @Override
  public String name() {
    return "REJECT";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j REJECT --reject-with ").append(with.text());
  }

  /** Carried out by the engine (ExtensionRunner), which owns the state this target changes. */
  @Override
  public int execute(PacketContext ctx) {
    throw new IllegalStateException("target '" + name() + "' is handled by the engine");
  }
}
