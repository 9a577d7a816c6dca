package dev.herald.infra.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoRunsTest {
  @TempDir Path dataDir;

  @Test
  void aResumedRunSimulatesOtherEntitiesThanTheRunsBefore() {
    assertThat(Demo.entityKeyPrefix(dataDir)).isEqualTo("acct-");
    assertThat(Demo.entityKeyPrefix(dataDir)).isEqualTo("acct-r2-");
    assertThat(Demo.entityKeyPrefix(dataDir)).isEqualTo("acct-r3-");
  }
}
