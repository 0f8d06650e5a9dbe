package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;

import java.util.List;
import java.util.Map;

/**
 * {@code -j SECMARK --selctx CONTEXT} ({@code xt_SECMARK.c}): sets skb->secmark to the SELinux secid of
 * the context, for the security policy to act on later. nfeval models no LSM, so the packet goes on
 * unchanged ({@code XT_CONTINUE}, as the kernel's target returns). mangle and security tables only.
 */
public final class SecmarkTarget implements Target {
  public static final ExtSpec<Target> SPEC = new ExtSpec<>("SECMARK",
      List.of(arg("selctx")), Map.of(), SecmarkTarget::new);

  /** SECMARK_SECCTX_MAX. */
  private static final int SECCTX_MAX = 256;

  private final String selctx;

  private SecmarkTarget(Opts o, ExtContext c) {
    if (!c.tableIs("mangle") && !c.tableIs("security")) {
      throw new ExtException("SECMARK: only valid in 'mangle' or 'security' table, not '" + c.table() + "'");
    }
    o.require("SECMARK target: Parameter --selctx is required", "selctx");
    selctx = o.str("selctx");
    if (selctx.length() >= SECCTX_MAX) {
      throw new ExtException("SECMARK: --selctx must be shorter than " + SECCTX_MAX + " characters");
    }
  }

  public String selctx() { return selctx; }

  @Override
  public String name() {
    return "SECMARK";
  }

  @Override
  public void save(StringBuilder sb) {
    sb.append(" -j SECMARK --selctx ").append(selctx);
  }

  /** secmark_tg: sets skb->secmark (not modelled: no SELinux); continue. */
  @Override
  public int execute(PacketContext ctx) {
    return XtVerdict.CONTINUE;
  }
}
