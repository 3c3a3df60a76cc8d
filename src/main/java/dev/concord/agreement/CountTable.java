package dev.concord.agreement;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One contingency table of two raters as exact counts, and its agreement figures worked out the way {@link Kappa#of}
 * works them out in SQL (which stays as the oracle in the tests): the categories either rater used, ranked by
 * ordinal, then name; kappa = 1 - sum(w * observed) / sum(w * expected); Cohen's large-sample standard error; Scott's
 * pi and Bennett's S from the nominal agreement.
 */
final class CountTable implements Serializable {
  /** A category: its name and, for ordered ones (ratings), its value; null for nominal ones. */
  record Category(String name, Double ordinal) implements Serializable {}

  private static final Comparator<Category> ORDER = Comparator
      .comparing(Category::ordinal, Comparator.nullsFirst(Comparator.naturalOrder()))
      .thenComparing(Category::name, Comparator.nullsFirst(Comparator.naturalOrder()));

  /** Counts by (first rater's category, second rater's category). */
  private final Map<Category, Map<Category, Long>> cells = new HashMap<>();

  void add(Category a, Category b, long count) {
    cells.computeIfAbsent(a, x -> new HashMap<>()).merge(b, count, Long::sum);
  }

  void addAll(CountTable other) {
    other.cells.forEach((a, row) -> row.forEach((b, n) -> add(a, b, n)));
  }

  boolean isEmpty() {
    return cells.isEmpty();
  }

  /**
   * The figures of the table.
   *
   * @param standardError null when chance agreement is total
   */
  record Figures(long units, double observed, double kappa, Double standardError, double scottPi, double bennettS)
      implements Serializable {}

  Figures figures(Weighting weighting) {
    java.util.TreeSet<Category> seen = new java.util.TreeSet<>(ORDER);
    cells.forEach((a, row) -> {
      seen.add(a);
      seen.addAll(row.keySet());
    });
    List<Category> categories = new ArrayList<>(seen);
    int k = categories.size();
    // A category's rank is its name's first place in the ranked list, as SQL's array_position finds it.
    Map<String, Integer> rank = new HashMap<>();
    for (int i = 0; i < k; i++) {
      rank.putIfAbsent(categories.get(i).name(), i + 1);
    }
    long[] na = new long[k];
    long[] nb = new long[k];
    long n = 0;
    long agree = 0;
    double wObservedN = 0;
    for (Map.Entry<Category, Map<Category, Long>> row : sorted(cells).entrySet()) {
      for (Map.Entry<Category, Long> cell : sorted(row.getValue()).entrySet()) {
        long count = cell.getValue();
        int ra = rank.get(row.getKey().name());
        int rb = rank.get(cell.getKey().name());
        n += count;
        if (row.getKey().name().equals(cell.getKey().name())) {
          agree += count;
        }
        wObservedN += count * weight(weighting, ra, rb, k);
        na[ra - 1] += count;
        nb[rb - 1] += count;
      }
    }
    double wExpectedNN = 0;
    long pooledNN = 0;
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        wExpectedNN += (double) (na[i] * nb[j]) * weight(weighting, i + 1, j + 1, k);
      }
      pooledNN += (na[i] + nb[i]) * (na[i] + nb[i]);
    }
    double total = n;
    double wObserved = wObservedN / total;
    double wExpected = wExpectedNN / (total * total);
    double kappa = wExpected == 0 ? (wObserved == 0 ? 1.0 : 0.0) : 1.0 - wObserved / wExpected;
    double po = 1.0 - wObserved;
    double pe = 1.0 - wExpected;
    Double se = pe < 1.0 ? Math.sqrt(po * (1.0 - po) / total) / (1.0 - pe) : null;
    double agreement = agree / total;
    double piChance = pooledNN / (total * total * 4);
    double pi = piChance == 1 ? 1.0 : (agreement - piChance) / (1.0 - piChance);
    double sChance = 1.0 / k;
    double bennett = k == 1 ? 1.0 : (agreement - sChance) / (1.0 - sChance);
    return new Figures(n, agreement, kappa, se, pi, bennett);
  }

  /** Cells in category order: the weighted sums are then added in one order whatever the input's. */
  private static <V> Map<Category, V> sorted(Map<Category, V> map) {
    Map<Category, V> out = new TreeMap<>(ORDER);
    out.putAll(map);
    return out;
  }

  /** The disagreement weight of two ranks among k categories, as {@link Weighting#weight} has it. */
  static double weight(Weighting weighting, int rankA, int rankB, int k) {
    int span = k > 1 ? k - 1 : 1;
    return switch (weighting) {
      case NOMINAL -> rankA == rankB ? 0.0 : 1.0;
      case LINEAR -> Math.abs(rankA - rankB) / (double) span;
      case QUADRATIC -> Math.pow((rankA - rankB) / (double) span, 2);
    };
  }
}
