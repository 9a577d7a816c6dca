package dev.herald.it.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Python reporter, written from {@code docs/producer-protocol.md} alone, reproduces every test
 * vector of the document (its {@code check_vectors.py} reads them from the document): an
 * implementation independent of the Java code agrees with it byte for byte, so the document is
 * enough and the vectors are not merely the Java code's own output.
 */
class PythonReporterVectorsIT {
  @Test
  void everyDocumentedVectorHoldsForThePythonImplementation() throws Exception {
    String python = PythonReporter.python();
    Process p =
        PythonReporter.script(python, "check_vectors.py", List.of())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).as(out).containsPattern("(\\d+) of \\1 test vectors hold");
    int count = Integer.parseInt(out.replaceAll("(?s).*?(\\d+) of \\d+ test vectors hold.*", "$1"));
    assertThat(count).as("vectors checked").isGreaterThanOrEqualTo(100);
  }
}
