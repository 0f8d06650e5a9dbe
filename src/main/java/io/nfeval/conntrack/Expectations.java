package io.nfeval.conntrack;

/**
 * Seam for conntrack helpers (nf_conntrack_expect.c): init_conntrack asks whether a new tuple was expected
 * by a helper of some master connection ({@link ExpectationTable}). An implementation must not allocate.
 */
@FunctionalInterface
public interface Expectations {
    /**
     * Find and consume an expectation matching the new entry's original tuple (nf_ct_find_expectation).
     *
     * @return the master connection's handle, or -1 when nothing expected this tuple
     */
    int find(int src, int dst, int ports, int proto, int zone, long nowNanos);

    /** nf_ct_remove_expectations: master {@code m} is deleted, and what it expected with it. */
    default void removeMaster(int m) {
    }
}
