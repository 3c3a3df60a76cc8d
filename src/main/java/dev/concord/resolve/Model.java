package dev.concord.resolve;

import dev.concord.config.ConcordConfig.DawidSkeneSettings;
import dev.concord.config.ProjectSettings;

/**
 * The M-step of each estimated model. Every model reads the same sufficient statistics ({@link DawidSkene.Statistics}:
 * posterior mass per annotator, answer k and true class c) and writes each annotator's log confusion matrix, P(k | c);
 * the E-step, the priors and the convergence test are shared. The models differ in how many figures describe an
 * annotator, and so in how fast an annotator seen on few units is pinned down:
 * <ul>
 *   <li>{@link #FULL}: Dawid and Skene's full matrix, K (K - 1) figures;
 *   <li>{@link #ONE_COIN}: one accuracy, the rest of the mass spread evenly over the wrong answers;
 *   <li>{@link #MACE}: Hovy et al.'s MACE (2013): the annotator knows the answer with probability theta, and
 *       otherwise answers from a strategy of their own (xi over the K answers), so P(k | c) = theta [k = c] +
 *       (1 - theta) xi_k. A spammer is theta near 0, whatever their strategy.
 * </ul>
 * Each annotator's figures are pulled towards the scope's pooled figures by {@code pooled_prior} units of weight and
 * smoothed by {@code smoothing}, as Dawid-Skene's matrix is.
 */
enum Model {
  FULL {
    @Override
    void mStep(long[] mass, int base, int slots, int n, DawidSkeneSettings settings, double[] logMatrix) {
      double alpha = settings.smoothing();
      double strength = settings.pooledPrior();
      double[][] pooled = new double[n][n];
      double[] pooledTotal = new double[n];
      for (int a = 0; a < slots; a++) {
        for (int k = 0; k < n; k++) {
          for (int c = 0; c < n; c++) {
            double m = mass[base + (a * n + k) * n + c] / DawidSkene.SCALE;
            pooled[k][c] += m;
            pooledTotal[c] += m;
          }
        }
      }
      for (int a = 0; a < slots; a++) {
        double[] rowTotal = new double[n];
        for (int k = 0; k < n; k++) {
          for (int c = 0; c < n; c++) {
            rowTotal[c] += mass[base + (a * n + k) * n + c] / DawidSkene.SCALE;
          }
        }
        for (int k = 0; k < n; k++) {
          for (int c = 0; c < n; c++) {
            int cell = base + (a * n + k) * n + c;
            double share = pooledTotal[c] > 0 ? pooled[k][c] / pooledTotal[c] : 1.0 / n;
            logMatrix[cell] = smoothedLog(mass[cell] / DawidSkene.SCALE + strength * share, rowTotal[c] + strength,
                n, alpha);
          }
        }
      }
    }
  },

  ONE_COIN {
    @Override
    void mStep(long[] mass, int base, int slots, int n, DawidSkeneSettings settings, double[] logMatrix) {
      double[] right = new double[slots];
      double[] total = new double[slots];
      for (int a = 0; a < slots; a++) {
        for (int k = 0; k < n; k++) {
          for (int c = 0; c < n; c++) {
            double m = mass[base + (a * n + k) * n + c] / DawidSkene.SCALE;
            total[a] += m;
            right[a] += k == c ? m : 0;
          }
        }
      }
      double pooled = share(sum(right), sum(total));
      for (int a = 0; a < slots; a++) {
        double accuracy = shrunk(right[a], total[a], pooled, settings);
        fill(logMatrix, base, a, n, accuracy, null);
      }
    }
  },

  MACE {
    @Override
    void mStep(long[] mass, int base, int slots, int n, DawidSkeneSettings settings, double[] logMatrix) {
      mace(mass, base, slots, n, settings, logMatrix, ROUNDS);
    }
  };

  /** MACE's fixed point: rounds per M-step, and the start of every annotator's theta. */
  static final int ROUNDS = 20;
  static final double START_THETA = 0.8;
  /**
   * Pseudo-count of each answer in a spammer's strategy: a uniform Dirichlet prior, so that a strategy seen on few
   * spam answers stays near even.
   */
  static final double STRATEGY_PRIOR = 1.0;

  /**
   * Writes the log confusion matrices of {@code slots} annotators of one scope ({@code n} classes), laid out from
   * {@code base} as {@link DawidSkene.Shape} says, from the statistics {@code mass} (units of 10^-9).
   */
  abstract void mStep(long[] mass, int base, int slots, int n, DawidSkeneSettings settings, double[] logMatrix);

  /** The model a project's {@code resolution_method} names. */
  static Model of(String method) {
    return switch (method) {
      case ProjectSettings.ONE_COIN -> ONE_COIN;
      case ProjectSettings.MACE -> MACE;
      case ProjectSettings.DAWID_SKENE -> FULL;
      default -> throw new IllegalArgumentException("not an estimated resolution_method: '" + method + "'");
    };
  }

  /** MACE's M-step with {@code rounds} rounds of its fixed point. */
  static void mace(long[] mass, int base, int slots, int n, DawidSkeneSettings settings, double[] logMatrix,
      int rounds) {
    double[][] right = new double[slots][n];
    double[][] wrong = new double[slots][n];
    double[] total = new double[slots];
    for (int a = 0; a < slots; a++) {
      for (int k = 0; k < n; k++) {
        for (int c = 0; c < n; c++) {
          double m = mass[base + (a * n + k) * n + c] / DawidSkene.SCALE;
          total[a] += m;
          if (k == c) {
            right[a][k] += m;
          } else {
            wrong[a][k] += m;
          }
        }
      }
    }
    // A right answer may still be a spam answer that happened to be right: how much of it is depends on theta and
    // xi themselves, so they are found by a fixed point from the same start every time (an ECM step: each round
    // raises the expected log-likelihood given the posteriors).
    double[] theta = new double[slots];
    double[][] xi = new double[slots][n];
    java.util.Arrays.fill(theta, START_THETA);
    for (double[] x : xi) {
      java.util.Arrays.fill(x, 1.0 / n);
    }
    for (int round = 0; round < rounds; round++) {
      double[] known = new double[slots];
      double[][] spam = new double[slots][n];
      for (int a = 0; a < slots; a++) {
        for (int k = 0; k < n; k++) {
          double spamming = (1 - theta[a]) * xi[a][k];
          double spamShare = spamming / (theta[a] + spamming);
          spam[a][k] = wrong[a][k] + right[a][k] * spamShare;
          known[a] += right[a][k] * (1 - spamShare);
        }
      }
      double pooled = share(sum(known), sum(total));
      for (int a = 0; a < slots; a++) {
        theta[a] = shrunk(known[a], total[a], pooled, settings);
        double spamTotal = sum(spam[a]);
        for (int k = 0; k < n; k++) {
          xi[a][k] = (spam[a][k] + STRATEGY_PRIOR) / (spamTotal + n * STRATEGY_PRIOR);
        }
      }
    }
    for (int a = 0; a < slots; a++) {
      fill(logMatrix, base, a, n, theta[a], xi[a]);
    }
  }

  /** A share pulled towards {@code pooled} by {@code pooled_prior} units and smoothed, within (0, 1). */
  static double shrunk(double part, double total, double pooled, DawidSkeneSettings settings) {
    double alpha = settings.smoothing();
    double strength = settings.pooledPrior();
    return (part + strength * pooled + alpha) / (total + strength + 2 * alpha);
  }

  /** P(k | c) = p [k = c] + (1 - p) r_k, with r even over the wrong answers when {@code strategy} is null. */
  private static void fill(double[] logMatrix, int base, int a, int n, double p, double[] strategy) {
    for (int k = 0; k < n; k++) {
      for (int c = 0; c < n; c++) {
        double cell = strategy == null ? (k == c ? (n == 1 ? 1.0 : p) : (1 - p) / (n - 1))
            : (k == c ? p : 0.0) + (1 - p) * strategy[k];
        logMatrix[base + (a * n + k) * n + c] = Math.log(Math.max(cell, FLOOR));
      }
    }
  }

  static double smoothedLog(double mass, double total, int classes, double alpha) {
    double denominator = total + classes * alpha;
    return Math.log(Math.max(denominator > 0 ? (mass + alpha) / denominator : 1.0 / classes, FLOOR));
  }

  private static double share(double part, double total) {
    return total > 0 ? part / total : 0.5;
  }

  private static double sum(double[] xs) {
    double s = 0;
    for (double x : xs) {
      s += x;
    }
    return s;
  }

  /** Floor of a probability before its log: an impossible answer is very unlikely, not -inf. */
  static final double FLOOR = 1e-12;
}
