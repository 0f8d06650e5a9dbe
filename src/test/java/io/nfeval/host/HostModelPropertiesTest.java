package io.nfeval.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Properties of addresses and routing over the golden snapshot. */
class HostModelPropertiesTest {
  static final HostModel HOST = HostModel.load(HostModelSnapshotTest.SAMPLE);

  @Property
  void formatParseRoundTrip(@ForAll int addr) {
    assertThat(Inet4.parse(Inet4.format(addr))).isEqualTo(addr);
  }

  @Property
  void routingNeverThrowsAndIsConsistent(@ForAll int saddr, @ForAll int daddr, @ForAll int mark,
      @ForAll @IntRange(min = 0, max = 255) int tos, @ForAll @IntRange(min = 0, max = 5) int iifPos) {
    NetInterface iif = iifPos < HOST.interfaces().size() ? HOST.interfaces().get(iifPos) : null;
    RouteResult r = HOST.route(saddr, daddr, tos, mark, iif, null);
    if (r.ok()) {
      assertThat(r.type()).isIn(RouteType.UNICAST, RouteType.LOCAL, RouteType.BROADCAST, RouteType.MULTICAST);
      assertThat(r.oif()).isNotNull();
      assertThat(r.reason()).isEqualTo(RouteResult.Reason.NONE);
    } else {
      assertThat(r.reason()).isNotEqualTo(RouteResult.Reason.NONE);
    }
    int t = HOST.addrType(daddr, null);
    assertThat(t).isBetween(RouteType.UNICAST, RouteType.XRESOLVE);
  }

  @Property
  void localAddressesAreLocal(@ForAll @IntRange(min = 0, max = 4) int i) {
    NetInterface dev = HOST.interfaces().get(i);
    for (IfAddress a : dev.addresses()) {
      assertThat(HOST.addrType(a.address(), null)).isEqualTo(RouteType.LOCAL);
      assertThat(HOST.route(0, a.address(), 0, 0, null, null).type()).isEqualTo(RouteType.LOCAL);
    }
  }

  /** Routing into a caller's RouteResult allocates nothing on the common (no rp_filter) path. */
  @Test
  void routingIntoAResultDoesNotAllocate() {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    RouteResult r = new RouteResult();
    NetInterface v1 = HOST.byName("v1");
    int d1 = Inet4.parse("1.2.3.4");
    int d2 = Inet4.parse("10.1.0.1");
    int s = Inet4.parse("10.1.0.9");
    for (int i = 0; i < 200_000; i++) {
      HOST.route(r, 0, d1 + (i & 255), 0, i & 3, null, null);
      HOST.route(r, s, d2, 0, 0, v1, null);
    }
    long before = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
    for (int i = 0; i < 100_000; i++) {
      HOST.route(r, 0, d1 + (i & 255), 0, i & 3, null, null);
      HOST.route(r, s, d2, 0, 0, v1, null);
    }
    long after = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
    assertThat(after - before).as("bytes allocated by 200k route lookups").isLessThan(10_000);
  }
}
