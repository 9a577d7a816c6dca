package dev.herald.it.interop;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Runs a test class only where Testcontainers finds a Docker daemon; elsewhere JUnit reports it
 * skipped with a message that says so and how to run it. Every path these classes cover is also
 * covered without Docker (see docs/governance.md, "Interop suite").
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RequiresDocker.Condition.class)
@interface RequiresDocker {

  /** The condition behind {@link RequiresDocker}. */
  final class Condition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      boolean docker;
      try {
        docker = DockerClientFactory.instance().isDockerAvailable();
      } catch (RuntimeException | LinkageError e) {
        docker = false;
      }
      if (docker) {
        return ConditionEvaluationResult.enabled("Docker is available");
      }
      String message =
          "skipped: no Docker daemon here, so the Testcontainers interop suite does not run."
              + " Where Docker runs: ./mvnw -B -pl integration-tests -am verify -DskipUTs"
              + " -Dit.test='*InteropIT' -Dfailsafe.failIfNoSpecifiedTests=false";
      System.out.println(context.getDisplayName() + " " + message);
      return ConditionEvaluationResult.disabled(message);
    }
  }
}
