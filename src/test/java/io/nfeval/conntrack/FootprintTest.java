package io.nfeval.conntrack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The table's memory per connection (nfeval issue #5): entries, hash index and by-source heads together
 * stay within 128 bytes per connection of nf_conntrack_max, so a table far larger than the cache costs one
 * or two cache lines per packet. Accounting (nf_conn_acct) is kept apart and reported on its own.
 */
class FootprintTest {
    @Test
    void entriesAndIndexFitIn128BytesPerConnection() {
        for (int max : new int[] {4096, 65_536, 100_000, 262_144, 1_000_000}) {
            final ConntrackTable t = new ConntrackTable(max);
            assertThat(t.bytesPerConnection()).as("max=%d", max).isLessThanOrEqualTo(128);
            assertThat(t.accountingBytesPerConnection()).as("max=%d", max).isLessThanOrEqualTo(33);
        }
    }

    @Test
    void helperMastersAddFourBytes() {
        final ConntrackTable t = new ConntrackTable(262_144);
        final long without = t.bytesPerConnection();
        t.setExpectations((src, dst, ports, pr, zn, now) -> -1);
        assertThat(t.bytesPerConnection()).isLessThanOrEqualTo(without + 4);
    }
}
