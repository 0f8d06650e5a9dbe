package io.nfeval.cli;

import io.nfeval.InputException;
import io.nfeval.engine.Engine;
import io.nfeval.engine.RulesetSwap;
import io.nfeval.engine.Snapshot;
import io.nfeval.rules.ParseOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code live --reload}: watches the snapshot directory's files by modification time and size (polled
 * at every checkpoint, or at once on SIGHUP) and, when one changed, loads the snapshot again and
 * compiles it on its own thread ({@link RulesetSwap#prepare}); the engine installs it before the next
 * packet it evaluates, keeping conntrack and the counters of unchanged rules. A snapshot that does not
 * load is reported in one line and the running one is kept; it is tried again when a file changes
 * again. The host model and the ipsets are replaced only when their own files changed, so that the
 * entries SET targets added at run time survive a ruleset-only reload.
 */
final class SnapshotReload implements AutoCloseable {
  /** The files {@link Snapshot#load} reads (the ruleset and which of its chains exist, ipsets, the host model). */
  static final List<String> RULE_FILES = List.of("iptables.rules", "nft-chains.json");
  static final List<String> IPSET_FILES = List.of("ipset.save");
  static final List<String> HOST_FILES = List.of("ip-addr.json", "ip-route.json", "ip-rule.json",
      "sysctl.txt", "snapshot-info.txt"); // the last: the host's clock offset and CONFIG_HZ

  private final Path dir;
  private final ParseOptions parse;
  private final Engine engine;
  private final PrintWriter err;
  private final ExecutorService loader;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  /** Stamps of the last snapshot attempted (loaded or refused): a change from these triggers a load. */
  private volatile String[] seen;
  /** Stamps of the snapshot last offered to the engine, and of the one before it. Loader thread only. */
  private String[] loaded;
  private String[] beforeLoaded;
  /** The swap last offered: while it is not installed, the next one is compared with its base. */
  private RulesetSwap lastOffered;

  /** {@code stamps}: {@link #stamps} of the directory taken before the running snapshot was loaded. */
  SnapshotReload(Path dir, ParseOptions parse, Engine engine, String[] stamps, PrintWriter err) {
    this.dir = dir;
    this.parse = parse;
    this.engine = engine;
    this.err = err;
    this.seen = stamps;
    this.loaded = stamps;
    this.loader = Executors.newSingleThreadExecutor(r -> {
      final Thread t = new Thread(r, "nfeval-reload");
      t.setDaemon(true);
      return t;
    });
  }

  /** Modification time (ns) and size of every watched file, in a fixed order ("-" when absent). */
  static String[] stamps(Path dir) {
    final String[] s = new String[RULE_FILES.size() + IPSET_FILES.size() + HOST_FILES.size()];
    int i = 0;
    for (List<String> group : List.of(RULE_FILES, IPSET_FILES, HOST_FILES)) {
      for (String f : group) {
        try {
          final BasicFileAttributes a = Files.readAttributes(dir.resolve(f), BasicFileAttributes.class);
          s[i] = a.lastModifiedTime().toInstant() + "/" + a.size() + "/" + a.fileKey();
        } catch (IOException e) {
          s[i] = "-";
        }
        i++;
      }
    }
    return s;
  }

  /** At a checkpoint: starts a load when a watched file changed since the last attempt. */
  void poll() {
    if (!java.util.Arrays.equals(stamps(dir), seen)) {
      schedule(false);
    }
  }

  /** SIGHUP: load the snapshot again now, changed or not. */
  void requestNow() {
    schedule(true);
  }

  private void schedule(boolean force) {
    if (scheduled.compareAndSet(false, true)) {
      try {
        loader.execute(() -> load(force));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        scheduled.set(false); // closing
      }
    }
  }

  private void load(boolean force) {
    scheduled.set(false);
    final String[] now = stamps(dir);
    if (!force && java.util.Arrays.equals(now, seen)) {
      return;
    }
    seen = now;
    try {
      final Snapshot snap = Snapshot.load(dir, null, parse);
      // A swap offered but not installed yet is replaced by this one: compare with what runs.
      final String[] base = lastOffered != null && lastOffered.appliedAt() < 0 ? beforeLoaded : loaded;
      final boolean ipsets = changed(base, now, RULE_FILES.size(), IPSET_FILES.size());
      final boolean host = changed(base, now, RULE_FILES.size() + IPSET_FILES.size(),
          HOST_FILES.size());
      final RulesetSwap swap = RulesetSwap.prepare(engine, snap.ruleset(), host ? snap.host() : null,
          ipsets ? snap.ipsets() : null, this::applied);
      beforeLoaded = base;
      loaded = now;
      lastOffered = swap;
      engine.offer(swap);
    } catch (InputException e) {
      err.println("nfeval live: reload refused, the running snapshot is kept: " + e.getMessage());
      err.flush();
    } catch (RuntimeException e) {
      err.println("nfeval live: reload refused, the running snapshot is kept: " + dir + ": " + e);
      err.flush();
    }
  }

  private static boolean changed(String[] base, String[] now, int from, int n) {
    for (int i = from; i < from + n; i++) {
      if (!Objects.equals(now[i], base[i])) {
        return true;
      }
    }
    return false;
  }

  /** On the evaluating thread, when the swap took effect. */
  private void applied(RulesetSwap s, long packet) {
    err.println("nfeval live: reloaded snapshot at packet " + packet + ": " + s.rules() + " rules ("
        + s.added() + " added, " + s.removed() + " removed, " + s.kept() + " kept counters)"
        + (s.replacesHost() ? "; new host model" : "") + (s.replacesIpsets() ? "; new ipsets" : ""));
    err.flush();
  }

  @Override
  public void close() {
    loader.shutdownNow();
  }
}
