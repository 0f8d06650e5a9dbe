/**
 * One class per iptables match and target, each with the same shape as iptables' own
 * {@code extensions/libxt_*.c}: a declarative option table ({@link io.nfeval.rules.ext.OptSpec} list in
 * a static {@code SPEC}), a private constructor that parses and validates (the kernel's and iptables'
 * checks, e.g. protocol and hook restrictions), typed final getters, and {@code save} for the canonical
 * text. All are registered in the single list {@link io.nfeval.rules.ext.Extensions}. Standard
 * targets: {@link io.nfeval.rules.ext.VerdictTarget}, {@link io.nfeval.rules.ext.JumpTarget},
 * {@link io.nfeval.rules.ext.NoTarget}; modules nfeval does not know are kept, under an unknown-module
 * policy, as {@link io.nfeval.rules.ext.UnknownMatch} / {@link io.nfeval.rules.ext.UnknownTarget}.
 */
package io.nfeval.rules.ext;
