package io.nfeval.rules.ext;

import static io.nfeval.rules.ext.OptSpec.arg;
import static io.nfeval.rules.ext.OptSpec.flag;
import static io.nfeval.rules.ext.OptSpec.invArg;

import java.util.List;
import java.util.Map;

/**
 * {@code -m time} ({@code xt_time.c}): date range, time of day, weekdays and days of the month. The
 * kernel reads the wall clock when it processes the packet; nfeval reads the packet's timestamp
 * ({@link PacketContext#nowNanos()}), which is when the host saw it. Times are UTC; with
 * {@code --kerneltz} the kernel shifts by {@code sys_tz}, which a snapshot does not record: nfeval takes
 * the host's kernel time zone as UTC (the usual value) and flags the packet.
 */
public final class TimeMatch implements Match {
  public static final ExtSpec<Match> SPEC = new ExtSpec<>("time",
      List.of(arg("datestart"), arg("datestop"), arg("timestart"), arg("timestop"), invArg("weekdays"),
          invArg("monthdays"), flag("localtz"), flag("kerneltz"), flag("utc"), flag("contiguous")),
      Map.of(), TimeMatch::new);

  private static final int MAX_DAYTIME = 24 * 60 * 60 - 1;
  private static final int ALL_WEEKDAYS = 0xfe;
  private static final int ALL_MONTHDAYS = 0xfffffffe;
  private static final long INT_MAX = 0x7fffffffL;
  private static final String[] WEEK_DAYS = {null, "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

  /** Seconds since the epoch, u32 as in {@code struct xt_time_info}. */
  private final long dateStart;
  private final long dateStop;
  private final int daytimeStart;
  private final int daytimeStop;
  private final int weekdays;
  private final int monthdays;
  private final boolean kerneltz;
  private final boolean contiguous;

  private TimeMatch(Opts o, ExtContext c) {
    dateStart = o.has("datestart") ? date(o.str("datestart")) : 0;
    dateStop = o.has("datestop") ? date(o.str("datestop")) : INT_MAX;
    daytimeStart = o.has("timestart") ? daytime(o.str("timestart")) : 0;
    daytimeStop = o.has("timestop") ? daytime(o.str("timestop")) : MAX_DAYTIME;
    int wd = o.has("weekdays") ? weekdays(o.str("weekdays")) : ALL_WEEKDAYS;
    if (o.inv("weekdays")) {
      wd ^= ALL_WEEKDAYS;
    }
    weekdays = wd;
    int md = o.has("monthdays") ? monthdays(o.str("monthdays")) : ALL_MONTHDAYS;
    if (o.inv("monthdays")) {
      md ^= ALL_MONTHDAYS;
    }
    monthdays = md;
    kerneltz = o.has("localtz") || o.has("kerneltz");
    contiguous = o.has("contiguous");
    if (contiguous && daytimeStart < daytimeStop) {
      throw new ExtException(
          "time: --contiguous only makes sense when stoptime is smaller than starttime");
    }
  }

  /** The digits at {@code s[i..]} as strtoul(.., 10) reads them; returns {value, end index}. */
  private static long[] num(String s, int i) {
    long v = 0;
    int j = i;
    while (j < s.length() && Character.isDigit(s.charAt(j)) && v < 100_000_000L) {
      v = v * 10 + (s.charAt(j) - '0');
      j++;
    }
    return new long[] {v, j};
  }

  private static char at(String s, int i) {
    return i < s.length() ? s.charAt(i) : '\0';
  }

  /** time_parse_minutes: {@code hh:mm[:ss]}. */
  static int daytime(String s) {
    final ExtException bad = new ExtException("invalid time \"" + s
        + "\" specified, should be hh:mm[:ss] format and within the boundaries");
    long[] r = num(s, 0);
    final long h = r[0];
    if (at(s, (int) r[1]) != ':' || h > 23) {
      throw bad;
    }
    r = num(s, (int) r[1] + 1);
    final long m = r[0];
    final char e = at(s, (int) r[1]);
    if ((e != ':' && e != '\0') || m > 59) {
      throw bad;
    }
    long sec = 0;
    if (e == ':') {
      r = num(s, (int) r[1] + 1);
      sec = r[0];
      if (at(s, (int) r[1]) != '\0' || sec > 59) {
        throw bad;
      }
    }
    return (int) (h * 3600 + m * 60 + sec);
  }

  /** time_parse_date: {@code YYYY[-MM[-DD[Thh[:mm[:ss]]]]]}, then timegm (which normalises). */
  static long date(String s) {
    final ExtException bad = new ExtException("Invalid date \"" + s
        + "\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]");
    final long[] f = {0, 1, 1, 0, 0, 0};
    final char[] seps = {'-', '-', 'T', ':', ':', '\0'};
    final long[] max = {2038, 12, 31, 23, 59, 59};
    int i = 0;
    for (int k = 0; k < 6; k++) {
      final long[] r = num(s, i);
      f[k] = r[0];
      final char e = at(s, (int) r[1]);
      if ((e != seps[k] && e != '\0') || f[k] > max[k] || k == 0 && f[k] < 1970) {
        throw bad;
      }
      if (e == '\0') {
        break;
      }
      i = (int) r[1] + 1;
    }
    final long days = daysFromCivil(f[0], 1, 1) + monthDaysBefore(f[0], f[1] - 1) + f[2] - 1;
    final long t = days * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
    if (t < 0) {
      throw bad;
    }
    return t & 0xffffffffL;
  }

  /** Days from January 1st of {@code year} to the first of month {@code m0} (0-based, may be -1). */
  private static long monthDaysBefore(long year, long m0) {
    if (m0 < 0) {
      return -31; // December of the year before, as timegm normalises tm_mon = -1
    }
    long d = 0;
    for (int m = 0; m < m0; m++) {
      d += monthLength(year, m + 1);
    }
    return d;
  }

  private static int monthLength(long y, int m) {
    return switch (m) {
      case 2 -> (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }

  /** Days since 1970-01-01 of a civil date (Hinnant's days_from_civil). */
  static long daysFromCivil(long y, long m, long d) {
    y -= m <= 2 ? 1 : 0;
    final long era = Math.floorDiv(y, 400);
    final long yoe = y - era * 400;
    final long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    final long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }

  /** Day of the month (1..31) of a day counted from the epoch (Hinnant's civil_from_days). */
  static int dayOfMonth(long z) {
    z += 719468;
    final long era = Math.floorDiv(z, 146097);
    final long doe = z - era * 146097;
    final long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    final long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    final long mp = (5 * doy + 2) / 153;
    return (int) (doy - (153 * mp + 2) / 5 + 1);
  }

  /** my_strseg: the next comma-separated segment, truncated to {@code keep} characters. */
  private static String[] segments(String arg, int keep) {
    final String[] p = arg.split(",", -1);
    final int n = arg.endsWith(",") ? p.length - 1 : p.length;
    final String[] r = new String[arg.isEmpty() ? 0 : n];
    for (int i = 0; i < r.length; i++) {
      r[i] = p[i].length() > keep ? p[i].substring(0, keep) : p[i];
    }
    return r;
  }

  /** time_parse_weekdays: numbers 1..7 or names compared on two letters ({@code strncmp(.., 2)}). */
  static int weekdays(String arg) {
    int ret = 0;
    for (String day : segments(arg, 3)) {
      final long n = day.isEmpty() ? 0 : Num.tryUnsigned(day);
      if (n >= 0) {
        if (n == 0) {
          throw new ExtException("No, the week does NOT begin with Sunday.");
        }
        ret |= n < 8 ? 1 << n : 0;
        continue;
      }
      boolean valid = false;
      for (int i = 1; i < WEEK_DAYS.length; i++) {
        if (day.length() >= 2 && day.startsWith(WEEK_DAYS[i].substring(0, 2))) {
          ret |= 1 << i;
          valid = true;
        }
      }
      if (!valid) {
        throw new ExtException(day + " is not a valid day specifier");
      }
    }
    return ret & 0xff;
  }

  /** time_parse_monthdays: numbers 0..31 (segments of at most two characters). */
  static int monthdays(String arg) {
    int ret = 0;
    for (String day : segments(arg, 2)) {
      long n = Num.tryUnsigned(day);
      if (n < 0 || n > 31) {
        throw new ExtException((n < 0 ? 0 : n) + " is not a valid day for --monthdays");
      }
      ret |= 1 << n;
    }
    return ret;
  }

  public long dateStart() { return dateStart; }
  public long dateStop() { return dateStop; }
  /** Seconds since midnight. */
  public int daytimeStart() { return daytimeStart; }
  public int daytimeStop() { return daytimeStop; }
  /** Bit n = weekday n (1 Monday .. 7 Sunday). */
  public int weekdays() { return weekdays; }
  /** Bit n = day n of the month. */
  public int monthdays() { return monthdays; }
  public boolean kerneltz() { return kerneltz; }
  public boolean contiguous() { return contiguous; }

  @Override
  public String name() {
    return "time";
  }

  /** time_save of iptables 1.8.9 (the default --datestop 2038-01-19T03:14:07 is printed). */
  @Override
  public void save(StringBuilder sb) {
    sb.append(" -m time");
    if (daytimeStart != 0 || daytimeStop != MAX_DAYTIME) {
      sb.append(" --timestart ");
      hms(sb, daytimeStart);
      sb.append(" --timestop ");
      hms(sb, daytimeStop);
    }
    if (monthdays != ALL_MONTHDAYS) {
      sb.append(" --monthdays ");
      boolean first = true;
      for (int i = 1; i <= 31; i++) {
        if ((monthdays & (1 << i)) != 0) {
          sb.append(first ? "" : ",").append(i);
          first = false;
        }
      }
    }
    if (weekdays != ALL_WEEKDAYS) {
      sb.append(" --weekdays ");
      boolean first = true;
      for (int i = 1; i <= 7; i++) {
        if ((weekdays & (1 << i)) != 0) {
          sb.append(first ? "" : ",").append(WEEK_DAYS[i]);
          first = false;
        }
      }
    }
    if (dateStart != 0) {
      sb.append(" --datestart ");
      date(sb, dateStart);
    }
    if (dateStop != 0) {
      sb.append(" --datestop ");
      date(sb, dateStop);
    }
    if (kerneltz) {
      sb.append(" --kerneltz");
    }
    if (contiguous) {
      sb.append(" --contiguous");
    }
  }

  private static void two(StringBuilder sb, long v) {
    sb.append(v < 10 ? "0" : "").append(v);
  }

  private static void hms(StringBuilder sb, long secs) {
    two(sb, secs / 3600);
    sb.append(':');
    two(sb, secs / 60 % 60);
    sb.append(':');
    two(sb, secs % 60);
  }

  private static void date(StringBuilder sb, long t) {
    final java.time.LocalDateTime d = java.time.LocalDateTime.ofEpochSecond(t, 0, java.time.ZoneOffset.UTC);
    sb.append(String.format(java.util.Locale.ROOT, "%04d-%02d-%02dT", d.getYear(), d.getMonthValue(),
        d.getDayOfMonth()));
    hms(sb, t % 86400);
  }

  /**
   * time_mt on the packet's timestamp: the date range, then the time of day (a range that wraps past
   * midnight matches outside stop..start; with --contiguous the early-morning part counts as the day
   * before), then the weekday, then the day of the month.
   */
  @Override
  public boolean matches(PacketContext ctx) {
    long stamp = Math.floorDiv(ctx.nowNanos(), 1_000_000_000L);
    if (kerneltz) {
      ctx.assume("time --kerneltz (host kernel time zone taken as UTC)");
    }
    if (stamp < dateStart || stamp > dateStop) {
      return false;
    }
    final long packetTime = Math.floorMod(stamp, 86400L);
    if (daytimeStart < daytimeStop) {
      if (packetTime < daytimeStart || packetTime > daytimeStop) {
        return false;
      }
    } else {
      if (packetTime < daytimeStart && packetTime > daytimeStop) {
        return false;
      }
      if (contiguous && packetTime <= daytimeStop) {
        stamp -= 86400;
      }
    }
    final long dse = Math.floorDiv(stamp, 86400L);
    final int weekday = (int) Math.floorMod(4 + dse - 1, 7L) + 1;
    if ((weekdays & (1 << weekday)) == 0) {
      return false;
    }
    return monthdays == ALL_MONTHDAYS || (monthdays & (1 << dayOfMonth(dse))) != 0;
  }
}
