/**
 * ipsets: {@link io.nfeval.ipset.IpsetParser} reads {@code ipset save} output into immutable
 * {@link io.nfeval.ipset.IpsetDef}s held by an {@link io.nfeval.ipset.IpsetRegistry};
 * {@link io.nfeval.ipset.IpsetRegistry#start(long)} makes the mutable run-time
 * {@link io.nfeval.ipset.IpSet}s a simulation tests ({@code -m set}) and changes ({@code -j SET}) with a
 * reusable {@link io.nfeval.ipset.SetKey}, allocation-free.
 */
package io.nfeval.ipset;
