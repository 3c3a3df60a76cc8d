package dev.concord.resolve;

import dev.concord.config.ConcordConfig.DawidSkeneSettings;
import dev.concord.config.ProjectSettings;
import java.util.Arrays;
import java.util.List;

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
 *       (1 - theta) xi_k. A spammer is theta near 0, whatever their strategy;
 *   <li>{@link #MINIMAX_ENTROPY}: Zhou et al.'s minimax conditional entropy (2014), whose answers depend on the
 *       unit as well as the annotator ({@link MinimaxEntropy}); it reads per-answer statistics, not these, so its
 *       step is {@link DawidSkene}'s;
 *   <li>{@link #AUTO}: not a model but the choice of one, per scope, by held-out answers ({@link DawidSkene}).
 * </ul>
 * All share the class priors estimated from the posteriors. Hovy et al. and Zhou et al. draw the truth evenly
 * instead; on imbalanced labels that resolves fewer right (generated labels: .964 against .974, bench/README.md).
 * Each annotator's figures are pulled towards the scope's pooled figures by {@code pooled_prior} units of weight and
 * smoothed by {@code smoothing}, as Dawid-Skene's matrix is.
 */
enum Model {
  FULL(ProjectSettings.DAWID_SKENE) {
    @Override
    void mStep(double[][][] m, DawidSkeneSettings settings, double[][][] previous, double[][][] p) {
      int n = m.length == 0 ? 0 : m[0].length;
      double[][] pooled = new double[n][n];
      double[] pooledTotal = new double[n];
      for (double[][] annotator : m) {
        for (int k = 0; k < n; k++) {
          for (int c = 0; c < n; c++) {
            pooled[k][c] += annotator[k][c];
            pooledTotal[c] += annotator[k][c];
          }
        }
      }
      double strength = settings.pooledPrior();
      for (int a = 0; a < m.length; a++) {
        for (int c = 0; c < n; c++) {
          double column = 0;
          for (int k = 0; k < n; k++) {
            column += m[a][k][c];
          }
          for (int k = 0; k < n; k++) {
            double share = pooledTotal[c] > 0 ? pooled[k][c] / pooledTotal[c] : 1.0 / n;
            p[a][k][c] = smoothed(m[a][k][c] + strength * share, column + strength, n, settings.smoothing());
          }
        }
      }
    }
  },

  ONE_COIN(ProjectSettings.ONE_COIN) {
    @Override
    void mStep(double[][][] m, DawidSkeneSettings settings, double[][][] previous, double[][][] p) {
      double[] right = new double[m.length];
      double[] total = new double[m.length];
      for (int a = 0; a < m.length; a++) {
        for (int k = 0; k < m[a].length; k++) {
          right[a] += m[a][k][k];
          total[a] += sum(m[a][k]);
        }
      }
      double pooled = share(sum(right), sum(total));
      for (int a = 0; a < m.length; a++) {
        fill(p[a], shrunk(right[a], total[a], pooled, settings), null);
      }
    }
  },

  MACE(ProjectSettings.MACE) {
    @Override
    void mStep(double[][][] m, DawidSkeneSettings settings, double[][][] previous, double[][][] p) {
      mace(m, settings, previous, p, MAX_ROUNDS);
    }
  },

  MINIMAX_ENTROPY(ProjectSettings.MINIMAX_ENTROPY) {
    @Override
    void mStep(double[][][] m, DawidSkeneSettings settings, double[][][] previous, double[][][] p) {
      throw new IllegalStateException("minimax entropy's step reads each answer, not the pooled statistics");
    }

    @Override
    boolean itemTerms() {
      return true;
    }
  },

  AUTO(ProjectSettings.AUTO) {
    @Override
    void mStep(double[][][] m, DawidSkeneSettings settings, double[][][] previous, double[][][] p) {
      throw new IllegalStateException("auto is replaced by the model it chooses before any estimation");
    }
  };

  private final String method;

  Model(String method) {
    this.method = method;
  }

  /** The {@code resolution_method} that names this model. */
  String method() {
    return method;
  }

  /**
   * The models {@link #AUTO} chooses between, simplest first: two annotator models (MACE, whose wrong answers do not
   * depend on the truth, and the full confusion matrix, whose do: classes mistaken for one another in pairs) and one of
   * annotators and units.
   */
  static final List<Model> CANDIDATES = List.of(MACE, FULL, MINIMAX_ENTROPY);

  /** Whether each unit has terms of its own ({@link MinimaxEntropy}). */
  boolean itemTerms() {
    return false;
  }

  /**
   * MACE's fixed point: the most rounds per M-step, the change of theta and xi below which it has converged, and the
   * start of every annotator's theta in the first iteration (later iterations start from the last one's).
   */
  static final int MAX_ROUNDS = 1000;
  static final double CONVERGED = 1e-10;
  static final double START_THETA = 0.8;
  /**
   * Pseudo-count of each answer in a spammer's strategy: a uniform Dirichlet prior, so that a strategy seen on few
   * spam answers stays near even.
   */
  static final double STRATEGY_PRIOR = 1.0;
  /** Floor of a probability before its log: an impossible answer is very unlikely, not -inf. */
  static final double FLOOR = 1e-12;

  /**
   * From {@code m[a][k][c]}, the posterior mass of true class c on the units where annotator a answered k (one scope),
   * writes each annotator's confusion matrix {@code p[a][k][c]} = P(k | c); {@code previous} holds the last
   * iteration's matrices (null in the first).
   */
  abstract void mStep(double[][][] m, DawidSkeneSettings settings, double[][][] previous, double[][][] p);

  /** The model a project's {@code resolution_method} names. */
  static Model of(String method) {
    if (method == null) {
      throw new IllegalArgumentException("a vote names no resolution_method");
    }
    return Arrays.stream(values()).filter(m -> m.method.equals(method)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("not an estimated resolution_method: '" + method + "'"));
  }

  /**
   * The M-step of one scope on the model's layout: {@code slots} annotators of {@code n} classes from {@code base}
   * ({@link DawidSkene.Shape}), the statistics {@code mass} in units of 10^-9, the last iteration's log matrices in
   * {@code previousLog} (or null), the new ones into {@code logMatrix}.
   */
  void mStep(long[] mass, int base, int slots, int n, DawidSkeneSettings settings, double[] previousLog,
      double[] logMatrix) {
    double[][][] m = new double[slots][n][n];
    double[][][] previous = previousLog == null ? null : new double[slots][n][n];
    for (int a = 0; a < slots; a++) {
      for (int k = 0; k < n; k++) {
        for (int c = 0; c < n; c++) {
          m[a][k][c] = mass[base + (a * n + k) * n + c] / DawidSkene.SCALE;
          if (previous != null) {
            previous[a][k][c] = Math.exp(previousLog[base + (a * n + k) * n + c]);
          }
        }
      }
    }
    double[][][] p = new double[slots][n][n];
    mStep(m, settings, previous, p);
    for (int a = 0; a < slots; a++) {
      for (int k = 0; k < n; k++) {
        for (int c = 0; c < n; c++) {
          logMatrix[base + (a * n + k) * n + c] = Math.log(Math.max(p[a][k][c], FLOOR));
        }
      }
    }
  }

  /**
   * MACE's M-step: at most {@code rounds} rounds of its fixed point, from the theta and xi the {@code previous}
   * matrices imply (P(k | c) = theta [k = c] + (1 - theta) xi_k, so theta = P(c | c) - P(c | c') for any other c'),
   * or from theta 0.8 and an even strategy when there are none.
   */
  static void mace(double[][][] m, DawidSkeneSettings settings, double[][][] previous, double[][][] p, int rounds) {
    int slots = m.length;
    int n = slots == 0 ? 0 : m[0].length;
    double[][] right = new double[slots][n];
    double[][] wrong = new double[slots][n];
    double[] total = new double[slots];
    for (int a = 0; a < slots; a++) {
      for (int k = 0; k < n; k++) {
        right[a][k] = m[a][k][k];
        wrong[a][k] = sum(m[a][k]) - m[a][k][k];
        total[a] += sum(m[a][k]);
      }
    }
    // A right answer may still be a spam answer that happened to be right: how much of it is depends on theta and
    // xi themselves, so they are found by a fixed point (an ECM step: each round raises the expected log-likelihood
    // given the posteriors), carried on from where the last iteration left it.
    double[] theta = new double[slots];
    double[][] xi = new double[slots][n];
    for (int a = 0; a < slots; a++) {
      if (previous == null || n < 2) {
        theta[a] = START_THETA;
        Arrays.fill(xi[a], 1.0 / n);
      } else {
        theta[a] = Math.min(1 - FLOOR, Math.max(FLOOR, previous[a][0][0] - previous[a][0][1]));
        for (int k = 0; k < n; k++) {
          xi[a][k] = previous[a][k][k == 0 ? 1 : 0] / (1 - theta[a]);
        }
      }
    }
    double change = Double.POSITIVE_INFINITY;
    for (int round = 0; round < rounds && change > CONVERGED; round++) {
      change = 0;
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
        double next = shrunk(known[a], total[a], pooled, settings);
        change = Math.max(change, Math.abs(next - theta[a]));
        theta[a] = next;
        double spamTotal = sum(spam[a]);
        for (int k = 0; k < n; k++) {
          double x = (spam[a][k] + STRATEGY_PRIOR) / (spamTotal + n * STRATEGY_PRIOR);
          change = Math.max(change, Math.abs(x - xi[a][k]));
          xi[a][k] = x;
        }
      }
    }
    for (int a = 0; a < slots; a++) {
      fill(p[a], theta[a], xi[a]);
    }
  }

  /** A share pulled towards {@code pooled} by {@code pooled_prior} units and smoothed, within (0, 1). */
  static double shrunk(double part, double total, double pooled, DawidSkeneSettings settings) {
    double alpha = settings.smoothing();
    double strength = settings.pooledPrior();
    return (part + strength * pooled + alpha) / (total + strength + 2 * alpha);
  }

  /** P(k | c) = q [k = c] + (1 - q) r_k, with r even over the wrong answers when {@code strategy} is null. */
  private static void fill(double[][] p, double q, double[] strategy) {
    int n = p.length;
    for (int k = 0; k < n; k++) {
      for (int c = 0; c < n; c++) {
        p[k][c] = strategy == null ? (k == c ? (n == 1 ? 1.0 : q) : (1 - q) / (n - 1))
            : (k == c ? q : 0.0) + (1 - q) * strategy[k];
      }
    }
  }

  /** A smoothed share: (mass + alpha) / (total + classes * alpha), even where nothing was seen. */
  static double smoothed(double mass, double total, int classes, double alpha) {
    double denominator = total + classes * alpha;
    return denominator > 0 ? (mass + alpha) / denominator : 1.0 / classes;
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
}
