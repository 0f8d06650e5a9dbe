package io.nfeval.conntrack;

import static io.nfeval.conntrack.Pk.C;
import static io.nfeval.conntrack.Pk.S;
import static io.nfeval.conntrack.Pk.SEC;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CapacityTest {
    @Test
    void fullTableEarlyDropsNonAssuredEntry() {
        final ConntrackTable t = new ConntrackTable(4);
        final Pk k = new Pk(t);
        for (int i = 0; i < 4; i++) {
            assertThat(k.pass(k.udp(C, 1000 + i, S, 53)).unconfirmed).isTrue();
        }
        assertThat(t.count()).isEqualTo(4);
        final CtResult r = k.pass(k.udp(C, 2000, S, 53));
        assertThat(r.drop).isFalse();
        assertThat(r.ctinfo).isEqualTo(Ct.CTINFO_NEW);
        assertThat(t.count()).isEqualTo(4);
    }

    @Test
    void fullTableOfAssuredEntriesDropsTheNewPacket() {
        final ConntrackTable t = new ConntrackTable(4);
        final Pk k = new Pk(t);
        for (int i = 0; i < 4; i++) {
            k.at(0);
            k.pass(k.udp(C, 1000 + i, S, 53));
            k.pass(k.udp(S, 53, C, 1000 + i));
            k.at(3);
            k.pass(k.udp(C, 1000 + i, S, 53));
        }
        final CtResult r = k.lookup(k.udp(C, 2000, S, 53));
        assertThat(r.drop).isTrue();
        assertThat(r.isInvalid()).isTrue();
        assertThat(t.count()).isEqualTo(4);
        // expired entries free room again
        k.at(3 + 121);
        assertThat(k.lookup(k.udp(C, 2000, S, 53)).drop).isFalse();
    }

    @Test
    void sweepReapsExpiredEntriesBounded() {
        final ConntrackTable t = new ConntrackTable(100);
        final Pk k = new Pk(t);
        for (int i = 0; i < 50; i++) {
            k.pass(k.udp(C, 1000 + i, S, 53));
        }
        final long later = k.now + 31 * SEC;
        int reaped = 0;
        for (int i = 0; i < 100 && t.count() > 0; i++) {
            reaped += t.sweep(later, 16);
        }
        assertThat(reaped).isEqualTo(50);
        assertThat(t.count()).isZero();
    }

    @Test
    void churnReusesSlots() {
        final ConntrackTable t = new ConntrackTable(8);
        final Pk k = new Pk(t);
        for (int i = 0; i < 10_000; i++) {
            k.atNanos(i * 40L * SEC);
            final CtResult r = k.pass(k.udp(C, 1000 + (i % 20), S, 53));
            assertThat(r.drop).isFalse();
        }
        assertThat(t.count()).isLessThanOrEqualTo(8);
    }
}
