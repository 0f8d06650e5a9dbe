package io.nfeval.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The hashed longest-prefix lookup agrees with a plain linear scan in fib_find_alias order. */
class FibTableTest {
  private static final int[] TYPES = {RouteType.UNICAST, RouteType.UNICAST, RouteType.UNICAST,
      RouteType.BLACKHOLE, RouteType.UNREACHABLE, RouteType.PROHIBIT, RouteType.THROW};

  @Property(tries = 200)
  void hashedLookupEqualsLinearScan(@ForAll long seed) {
    Random rnd = new Random(seed);
    NetInterface eth0 = new NetInterface("eth0", 2, NetInterface.IFF_UP, 1500, 0, 0, null, "ether",
        List.of(new IfAddress(0x0a000001, 8, 0, 0x0a000001, RouteScope.UNIVERSE, false, false, "eth0")));
    List<Route> routes = new ArrayList<>();
    int n = 1 + rnd.nextInt(60);
    for (int i = 0; i < n; i++) {
      int plen = rnd.nextInt(6) == 0 ? 0 : 4 + rnd.nextInt(29);
      int dst = 0x0a000000 | (rnd.nextInt() & 0x00ff00ff); // a small space so prefixes overlap
      int type = TYPES[rnd.nextInt(TYPES.length)];
      List<Nexthop> nh = type == RouteType.UNICAST ? List.of(new Nexthop(rnd.nextBoolean() ? 0 : 0x0a0000fe,
          eth0, 1, rnd.nextInt(8) == 0 ? Nexthop.F_DEAD : 0)) : List.of();
      routes.add(new Route(HostModel.TABLE_MAIN, type, dst, plen, rnd.nextInt(4) == 0 ? 0x10 : 0,
          rnd.nextInt(3) * 100, RouteScope.UNIVERSE, "static", 0, nh));
    }
    HostModel host = new HostModel(List.of(eth0), routes, null, Sysctls.empty(), null);
    List<Route> ref = new ArrayList<>(routes);
    ref.sort(Comparator.comparingInt((Route r) -> -r.prefixLen()).thenComparingInt(r -> -r.tos())
        .thenComparingInt(Route::metric));
    for (int q = 0; q < 200; q++) {
      int daddr = 0x0a000000 | (rnd.nextInt() & 0x00ff00ff);
      int tos = rnd.nextBoolean() ? 0x10 : 0;
      RouteResult r = host.route(0, daddr, tos, 0, null, null);
      Route expect = null;
      int err = Errno.ENETUNREACH;
      for (Route c : ref) {
        if (!c.covers(daddr) || (c.tos() != 0 && c.tos() != tos)) {
          continue;
        }
        if (RouteType.lookupError(c.type()) != 0) {
          err = c.type() == RouteType.THROW ? Errno.ENETUNREACH : RouteType.lookupError(c.type());
          expect = c.type() == RouteType.THROW ? null : c;
          break;
        }
        if (c.nexthops().get(0).isDead()) {
          continue;
        }
        expect = c;
        err = 0;
        break;
      }
      assertThat(r.error()).as(Inet4.format(daddr) + " " + r).isEqualTo(err);
      if (err != 0 && expect == null) {
        continue;
      }
      assertThat(r.route()).as(Inet4.format(daddr)).isSameAs(expect);
    }
  }
}
