package io.nfeval.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files {@code live --reload} watches, and into which group (ruleset, ipsets, host) a change falls. */
class SnapshotReloadStampsTest {
  @TempDir Path dir;

  @Test
  void aNewClockLineInSnapshotInfoIsAHostChange() throws Exception {
    Files.writeString(dir.resolve("iptables.rules"), "*filter\nCOMMIT\n");
    Files.writeString(dir.resolve("snapshot-info.txt"), "realtime-minus-monotonic-ns: 1\n");
    final String[] before = SnapshotReload.stamps(dir);
    Files.writeString(dir.resolve("snapshot-info.txt"), "realtime-minus-monotonic-ns: 1000000002\nconfig-hz: 250\n");
    final String[] after = SnapshotReload.stamps(dir);
    final int hostFrom = SnapshotReload.RULE_FILES.size() + SnapshotReload.IPSET_FILES.size();
    int changed = -1;
    for (int i = 0; i < after.length; i++) {
      if (!after[i].equals(before[i])) {
        assertThat(changed).as("one file changed: " + Arrays.toString(after)).isEqualTo(-1);
        changed = i;
      }
    }
    assertThat(changed).isGreaterThanOrEqualTo(hostFrom);
    assertThat(SnapshotReload.HOST_FILES.get(changed - hostFrom)).isEqualTo("snapshot-info.txt");
  }
}
