package io.nfeval.testing;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Once a CI run's deadline ({@link TestDeadline}) has passed, the tests not yet started are reported as
 * skipped, with the reason, instead of running on until the CI limit kills the whole build without a
 * verdict. Registered for every Jupiter test through the service loader
 * ({@code junit.jupiter.extensions.autodetection.enabled}); without a deadline it never disables anything.
 */
public final class DeadlineCondition implements ExecutionCondition {
  private static volatile boolean announced;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (TestDeadline.secondsLeft() >= 0) {
      return ConditionEvaluationResult.enabled("before the CI deadline");
    }
    if (!announced) {
      announced = true;
      System.out.println("[nfeval tests] CI deadline (" + TestDeadline.ENV + ") passed: the tests not yet"
          + " started are SKIPPED from " + context.getUniqueId());
    }
    return ConditionEvaluationResult.disabled("CI deadline passed (" + TestDeadline.ENV + "): not run");
  }
}
