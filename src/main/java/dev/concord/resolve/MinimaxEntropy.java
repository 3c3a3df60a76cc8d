package dev.concord.resolve;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;

/**
 * The arithmetic of Zhou et al.'s regularised minimax conditional entropy (ICML 2014), {@link Model#MINIMAX_ENTROPY}:
 * annotator a answers k on unit i of true class c with probability softmax over k of {@code tau_a[k][c] +
 * sigma_i[k][c]}, where tau is the annotator's way of answering and sigma the unit's: a unit that misleads most
 * annotators the same way has a sigma of its own, and the annotators who still answer it right are believed. Both
 * are penalised by a squared norm, the unit's by more where units have fewer answers than annotators do
 * ({@link #itemPenalty}), as Zhou et al. set them.
 *
 * <p>Both are fitted by Newton steps on the expected log-likelihood under the current posteriors, one per EM
 * iteration, from the gradient and curvature of each annotator's (and each unit's) answers. For one true class c the
 * terms over k are a softmax, so each class's K terms are one small system {@code (H + lambda I) d = g - lambda x}.
 * Arrays hold a K x K block as {@code [k * K + c]} (answer k, truth c), as the confusion matrices do, and a
 * curvature block as {@code [(c * K + k) * K + l]}.
 */
final class MinimaxEntropy {
  private MinimaxEntropy() {}

  /** Zhou et al.'s penalty on an annotator's terms: 0.25 K^2. */
  static double annotatorPenalty(int n) {
    return 0.25 * n * n;
  }

  /**
   * The penalty on a unit's terms: the annotators' times the mean answers per annotator over the mean answers per
   * unit, which is units / annotators of the scope.
   */
  static double itemPenalty(int n, long units, long annotators) {
    return annotators == 0 ? annotatorPenalty(n) : annotatorPenalty(n) * units / annotators;
  }

  /**
   * log P(k | c) for one answer into {@code out[k * n + c]}: the annotator's terms from {@code logits} at
   * {@code row}, plus the unit's {@code item} terms (null: none yet).
   */
  static void logProbabilities(double[] logits, int row, double[] item, int n, double[] out) {
    for (int c = 0; c < n; c++) {
      double top = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < n; k++) {
        out[k * n + c] = (logits == null ? 0.0 : logits[row + k * n + c]) + (item == null ? 0.0 : item[k * n + c]);
        top = Math.max(top, out[k * n + c]);
      }
      double z = 0;
      for (int k = 0; k < n; k++) {
        z += Math.exp(out[k * n + c] - top);
      }
      double logZ = top + Math.log(z);
      for (int k = 0; k < n; k++) {
        out[k * n + c] -= logZ;
      }
    }
  }

  /**
   * Adds one answer's gradient and curvature of the expected log-likelihood, weighted by the unit's posterior
   * {@code q}: gradient {@code q_c ([k = answer] - P(k | c))}, curvature {@code q_c (P(k | c) [k = l] - P(k | c)
   * P(l | c))}.
   */
  static void accumulate(double[] logP, int answer, double[] q, int n, double[] gradient, double[] curvature) {
    double[] p = new double[n];
    for (int c = 0; c < n; c++) {
      if (q[c] == 0) {
        continue;
      }
      for (int k = 0; k < n; k++) {
        p[k] = Math.exp(logP[k * n + c]);
      }
      for (int k = 0; k < n; k++) {
        gradient[k * n + c] += q[c] * ((k == answer ? 1.0 : 0.0) - p[k]);
        for (int l = 0; l < n; l++) {
          curvature[(c * n + k) * n + l] += q[c] * ((k == l ? p[k] : 0.0) - p[k] * p[l]);
        }
      }
    }
  }

  /**
   * One Newton step on the penalised objective: for each class c, {@code x[.][c] += (H_c + lambda I)^-1 (g[.][c] -
   * lambda x[.][c])}, with x at {@code offset}.
   */
  static void newtonStep(double[] x, int offset, double[] gradient, double[] curvature, double lambda, int n) {
    for (int c = 0; c < n; c++) {
      double[][] h = new double[n][n];
      double[] g = new double[n];
      for (int k = 0; k < n; k++) {
        for (int l = 0; l < n; l++) {
          h[k][l] = curvature[(c * n + k) * n + l] + (k == l ? lambda : 0.0);
        }
        g[k] = gradient[k * n + c] - lambda * x[offset + k * n + c];
      }
      // A softmax's curvature is positive semi-definite; with lambda I added it is definite, so Cholesky applies.
      double[] d = new CholeskyDecomposition(new Array2DRowRealMatrix(h, false)).getSolver()
          .solve(new ArrayRealVector(g, false)).toArray();
      for (int k = 0; k < n; k++) {
        x[offset + k * n + c] += d[k];
      }
    }
  }
}
