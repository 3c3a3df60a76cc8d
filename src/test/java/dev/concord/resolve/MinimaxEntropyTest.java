package dev.concord.resolve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The arithmetic of {@link MinimaxEntropy}, by hand, on two classes. */
class MinimaxEntropyTest {

  /**
   * An annotator's terms {@code tau[k][c]} = (1, 0 | 0, 0) and a unit's {@code sigma} = (0, 0 | 0, 1): given truth
   * 0, answer 0 has odds e : 1, so P = e / (e + 1); given truth 1, answer 1 likewise. Each truth's column sums to 1.
   */
  @Test
  void answersAreASoftmaxOfTheAnnotatorsAndTheUnitsTerms() {
    double[] logits = {9, 9, 1, 0, 0, 0};
    double[] item = {0, 0, 0, 1};
    double[] out = new double[4];
    MinimaxEntropy.logProbabilities(logits, 2, item, 2, out);
    double e = Math.E / (Math.E + 1);
    assertArrayEquals(new double[] {e, 1 - e, 1 - e, e}, exp(out), 1e-12);
    MinimaxEntropy.logProbabilities(null, 0, null, 2, out);
    assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.5}, exp(out), 1e-12);
  }

  /**
   * From terms of 0 (P = 1/2 everywhere), one answer 0 on a unit whose posterior is (1, 0): the gradient for truth 0
   * is (1 - 1/2, 0 - 1/2) = (1/2, -1/2), the curvature 1/4 (1, -1 | -1, 1); truth 1 adds nothing. With lambda 1 the
   * Newton step solves (1.25, -0.25 | -0.25, 1.25) d = (1/2, -1/2): d = (1/3, -1/3).
   */
  @Test
  void aNewtonStepByHand() {
    double[] logP = new double[4];
    MinimaxEntropy.logProbabilities(null, 0, null, 2, logP);
    double[] gradient = new double[4];
    double[] curvature = new double[8];
    MinimaxEntropy.accumulate(logP, 0, new double[] {1, 0}, 2, gradient, curvature);
    assertArrayEquals(new double[] {0.5, 0, -0.5, 0}, gradient, 1e-12);
    assertArrayEquals(new double[] {0.25, -0.25, -0.25, 0.25, 0, 0, 0, 0}, curvature, 1e-12);
    double[] x = new double[4];
    MinimaxEntropy.newtonStep(x, 0, gradient, curvature, 1.0, 2);
    assertArrayEquals(new double[] {1.0 / 3, 0, -1.0 / 3, 0}, x, 1e-12);
  }

  /**
   * Newton steps repeated on one annotator's fixed answers reach the penalised optimum: the gradient of the expected
   * log-likelihood equals lambda times the terms. Answers 0, 0, 0, 1 on units of truth 0, lambda 0.5.
   */
  @Test
  void repeatedStepsReachThePenalisedOptimum() {
    int[] answers = {0, 0, 0, 1};
    double lambda = 0.5;
    double[] x = new double[4];
    double[] logP = new double[4];
    for (int step = 0; step < 30; step++) {
      double[] gradient = new double[4];
      double[] curvature = new double[8];
      MinimaxEntropy.logProbabilities(x, 0, null, 2, logP);
      for (int a : answers) {
        MinimaxEntropy.accumulate(logP, a, new double[] {1, 0}, 2, gradient, curvature);
      }
      MinimaxEntropy.newtonStep(x, 0, gradient, curvature, lambda, 2);
    }
    MinimaxEntropy.logProbabilities(x, 0, null, 2, logP);
    double p0 = Math.exp(logP[0]);
    // Stationary: 3 - 4 p0 = lambda x00 and 1 - 4 (1 - p0) = lambda x10, and by symmetry x10 = -x00.
    assertEquals(3 - 4 * p0, lambda * x[0], 1e-9);
    assertEquals(-x[0], x[2], 1e-9);
    assertEquals(0.0, x[1], 1e-12);
  }

  /** Zhou et al.'s penalties: 0.25 K^2 on an annotator, times units / annotators on a unit. */
  @Test
  void penaltiesScaleWithTheScope() {
    assertEquals(1.0, MinimaxEntropy.annotatorPenalty(2), 0);
    assertEquals(2.25, MinimaxEntropy.annotatorPenalty(3), 0);
    assertEquals(108.0 / 39, MinimaxEntropy.itemPenalty(2, 108, 39), 1e-12);
  }

  private static double[] exp(double[] logs) {
    double[] out = new double[logs.length];
    for (int i = 0; i < logs.length; i++) {
      out[i] = Math.exp(logs[i]);
    }
    return out;
  }
}
