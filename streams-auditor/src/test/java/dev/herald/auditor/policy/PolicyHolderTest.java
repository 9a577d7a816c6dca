package dev.herald.auditor.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Policy reload: a valid file applies and names what changed, an invalid one keeps the old. */
class PolicyHolderTest {
  @TempDir Path dir;

  @Test
  void aValidNewPolicyAppliesAndNamesEachChangedKey() throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, "defaults:\n  reportGrace: 2s\n");
    PolicyHolder holder = new PolicyHolder(PolicyLoader.load(file));
    Files.writeString(file, "defaults:\n  reportGrace: 5s\ngroups:\n  payments:\n    quorum: 3\n");

    PolicyHolder.Reload r = holder.reload(file);

    assertThat(r).isInstanceOf(PolicyHolder.Applied.class);
    assertThat(((PolicyHolder.Applied) r).changes())
        .contains("defaults.reportGrace: PT2S -> PT5S", "groups.payments: added")
        .anySatisfy(c -> assertThat(c).startsWith("groups.payments.quorum: 0 -> 3"));
    assertThat(holder.get().defaults().reportGrace()).isEqualTo(Duration.ofSeconds(5));
    assertThat(holder.get().group("payments").quorum()).isEqualTo(3);
  }

  @Test
  void anInvalidNewPolicyIsRefusedAndTheOldOneStays() throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, "defaults:\n  reportGrace: 2s\n");
    PolicyHolder holder = new PolicyHolder(PolicyLoader.load(file));
    AuditPolicy before = holder.get();
    Files.writeString(file, "defaults:\n  reportGrace: soon\n");

    PolicyHolder.Reload r = holder.reload(file);

    assertThat(r).isInstanceOf(PolicyHolder.Refused.class);
    assertThat(((PolicyHolder.Refused) r).reason()).contains("reportGrace");
    assertThat(holder.get()).isSameAs(before);
  }

  @Test
  void theSameFileAgainChangesNothing() throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, "defaults:\n  reportGrace: 2s\n");
    PolicyHolder holder = new PolicyHolder(PolicyLoader.load(file));

    assertThat(holder.reload(file)).isInstanceOf(PolicyHolder.Unchanged.class);
  }

  @Test
  void theWatcherReloadsWhenTheFileIsReplaced() throws Exception {
    Path file = dir.resolve("policy.yaml");
    Files.writeString(file, "defaults:\n  reportGrace: 2s\n");
    PolicyHolder holder = new PolicyHolder(PolicyLoader.load(file));
    try (PolicyWatcher w = PolicyWatcher.start(holder, file, false)) {
      // an editor's save: write a new file, rename it over the old one
      Path tmp = dir.resolve("policy.yaml.tmp");
      Files.writeString(tmp, "defaults:\n  reportGrace: 7s\n");
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> holder.get().defaults().reportGrace().equals(Duration.ofSeconds(7)));
    }
  }
}
