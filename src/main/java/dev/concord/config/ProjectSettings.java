package dev.concord.config;

import java.util.List;
import java.util.Map;

/**
 * Settings of one project. Under {@code defaults} every field is set; under {@code projects.NAME} a missing field
 * falls back to the default (see {@link #over}).
 *
 * @param labels the project's label set; null takes the labels found in the data
 * @param ratingScale the rating scale; null takes the range found in the data
 * @param ratingDimensions dimension weights of the overall rating score; null weighs the dimensions found equally
 * @param kappaThresholds minimum agreement per task type; an annotator below it is dropped
 * @param minSharedUnits units shared with peers (or gold items) needed before an annotator is judged at all
 * @param consensusThreshold minimum reliability-weighted vote share to resolve an item without a person
 * @param posteriorThreshold under an estimated method, the posterior of the leading answer below which the model is
 *     as good as guessing and the item goes to a person; null takes {@code consensusThreshold}
 * @param ratingMargin minimum difference of overall rating scores for a preference pair
 * @param rankingPairs which pairs a resolved ranking yields: all or adjacent
 * @param unscoredWeight vote weight of an annotator with too few shared units to be judged
 * @param dropConfidence one-sided confidence that an annotator's kappa is below (or at or above) the threshold
 * @param uncertainPolicy what happens when the interval straddles the threshold: keep, drop or review (the
 *     annotator's work is held out and the annotator listed for a person to judge)
 * @param dropMeasures the agreement measure that decides, per task type: cohen_kappa, scott_pi,
 *     weighted_kappa_linear or weighted_kappa_quadratic
 * @param resolutionMethod how the kept annotators' answers are combined: majority_vote, weighted_vote, or one of
 *     the estimated models dawid_skene, one_coin and mace
 * @param source where the project's answers come from when they arrive as an annotation tool's export; a
 *     project's own, never taken from the defaults
 */
public record ProjectSettings(
    List<String> labels,
    Scale ratingScale,
    Map<String, Double> ratingDimensions,
    Map<String, Double> kappaThresholds,
    Integer minSharedUnits,
    Double consensusThreshold,
    Double posteriorThreshold,
    Double ratingMargin,
    String rankingPairs,
    Double unscoredWeight,
    Double dropConfidence,
    String uncertainPolicy,
    Map<String, String> dropMeasures,
    String resolutionMethod,
    Source source) {

  static final List<String> RANKING_PAIRS = List.of("all", "adjacent");
  static final List<String> UNCERTAIN_POLICIES = List.of("keep", "drop", "review");
  public static final String MAJORITY_VOTE = "majority_vote";
  public static final String WEIGHTED_VOTE = "weighted_vote";
  public static final String DAWID_SKENE = "dawid_skene";
  /** Dawid-Skene with one accuracy per annotator in place of a confusion matrix: for sparsely seen annotators. */
  public static final String ONE_COIN = "one_coin";
  /** MACE (Hovy et al. 2013): each annotator answers right, or at times spams from a strategy of their own. */
  public static final String MACE = "mace";
  /**
   * Minimax conditional entropy (Zhou et al. 2014): an answer depends on the annotator and on the unit, so a unit
   * that misleads most annotators the same way can still be resolved by those it does not.
   */
  public static final String MINIMAX_ENTROPY = "minimax_entropy";
  /** Per project and task type, whichever of mace and minimax_entropy better predicts answers held out of the fit. */
  public static final String AUTO = "auto";
  /** The methods estimated by expectation-maximisation ({@code dev.concord.resolve.DawidSkene}). */
  public static final List<String> ESTIMATED = List.of(DAWID_SKENE, ONE_COIN, MACE, MINIMAX_ENTROPY, AUTO);
  public static final List<String> METHODS = List.of(MAJORITY_VOTE, WEIGHTED_VOTE, DAWID_SKENE, ONE_COIN, MACE,
      MINIMAX_ENTROPY, AUTO);
  public static final List<String> MEASURES = List.of("cohen_kappa", "scott_pi", "weighted_kappa_linear",
      "weighted_kappa_quadratic");

  /** Whether {@code method} is estimated (posteriors) rather than counted (votes). */
  public static boolean estimated(String method) {
    return ESTIMATED.contains(method);
  }

  /** This project's settings with every missing field taken from {@code base}. */
  ProjectSettings over(ProjectSettings base) {
    return new ProjectSettings(
        labels != null ? labels : base.labels,
        ratingScale != null ? ratingScale : base.ratingScale,
        ratingDimensions != null ? ratingDimensions : base.ratingDimensions,
        merge(base.kappaThresholds, kappaThresholds),
        minSharedUnits != null ? minSharedUnits : base.minSharedUnits,
        consensusThreshold != null ? consensusThreshold : base.consensusThreshold,
        posteriorThreshold != null ? posteriorThreshold : base.posteriorThreshold,
        ratingMargin != null ? ratingMargin : base.ratingMargin,
        rankingPairs != null ? rankingPairs : base.rankingPairs,
        unscoredWeight != null ? unscoredWeight : base.unscoredWeight,
        dropConfidence != null ? dropConfidence : base.dropConfidence,
        uncertainPolicy != null ? uncertainPolicy : base.uncertainPolicy,
        merge(base.dropMeasures, dropMeasures),
        resolutionMethod != null ? resolutionMethod : base.resolutionMethod,
        source);
  }

  private static <V> Map<String, V> merge(Map<String, V> base, Map<String, V> own) {
    if (own == null) {
      return base;
    }
    var merged = new java.util.TreeMap<>(base);
    merged.putAll(own);
    return Map.copyOf(merged);
  }

  /**
   * The least support that resolves an answer without a person (categorical items and ranking pairs): the posterior
   * threshold under an estimated method where one is set, else the consensus threshold.
   */
  public double reviewThreshold() {
    return usesPosteriorThreshold() ? posteriorThreshold : consensusThreshold;
  }

  /** The key {@link #reviewThreshold} comes from, for messages. */
  public String reviewThresholdKey() {
    return usesPosteriorThreshold() ? "posterior_threshold" : "consensus_threshold";
  }

  private boolean usesPosteriorThreshold() {
    return posteriorThreshold != null && estimated(resolutionMethod);
  }

  public String dropMeasure(TaskType type) {
    return dropMeasures.get(type.id());
  }

  /** The z of the one-sided bound at {@link #dropConfidence}, from the standard normal distribution. */
  public double dropZ() {
    return new org.apache.commons.math3.distribution.NormalDistribution().inverseCumulativeProbability(dropConfidence);
  }

  public double kappaThreshold(TaskType type) {
    return kappaThresholds.get(type.id());
  }

  /** Checks the values under {@code key}; {@code complete} requires every field (the defaults). */
  void validate(String key, boolean complete) {
    if (source != null) {
      if (complete) {
        throw new ConfigException(key + ".source is a project's own: set it under projects.NAME.source");
      }
      source.validate(key + ".source");
    }
    if (complete) {
      requireSet(key + ".kappa_thresholds", kappaThresholds);
      requireSet(key + ".min_shared_units", minSharedUnits);
      requireSet(key + ".consensus_threshold", consensusThreshold);
      requireSet(key + ".rating_margin", ratingMargin);
      requireSet(key + ".ranking_pairs", rankingPairs);
      requireSet(key + ".unscored_weight", unscoredWeight);
      requireSet(key + ".drop_confidence", dropConfidence);
      requireSet(key + ".uncertain_policy", uncertainPolicy);
      requireSet(key + ".drop_measures", dropMeasures);
      requireSet(key + ".resolution_method", resolutionMethod);
      for (TaskType t : TaskType.JUDGED) {
        if (!dropMeasures.containsKey(t.id())) {
          throw new ConfigException(key + ".drop_measures lacks '" + t.id() + "'");
        }
      }
      for (TaskType t : TaskType.JUDGED) {
        if (!kappaThresholds.containsKey(t.id())) {
          throw new ConfigException(key + ".kappa_thresholds lacks '" + t.id() + "'");
        }
      }
    }
    if (labels != null) {
      if (labels.isEmpty() || labels.stream().anyMatch(l -> l == null || l.isBlank())) {
        throw new ConfigException(key + ".labels must be a non-empty list of non-empty labels, got " + labels);
      }
      if (labels.stream().distinct().count() != labels.size()) {
        throw new ConfigException(key + ".labels repeats a label: " + labels);
      }
    }
    if (ratingScale != null) {
      ratingScale.validate(key + ".rating_scale");
    }
    if (ratingDimensions != null) {
      if (ratingDimensions.isEmpty()) {
        throw new ConfigException(key + ".rating_dimensions must name at least one dimension");
      }
      ratingDimensions.forEach((dim, w) -> {
        if (w == null || !(w > 0)) {
          throw new ConfigException(key + ".rating_dimensions." + dim + " must be a positive weight, got " + w);
        }
      });
    }
    if (kappaThresholds != null) {
      kappaThresholds.forEach((type, v) -> {
        if (!TaskType.JUDGED.stream().map(TaskType::id).toList().contains(type)) {
          throw new ConfigException(key + ".kappa_thresholds." + type + " is not a judged task type "
              + TaskType.JUDGED.stream().map(TaskType::id).toList());
        }
        if (v == null || v < -1 || v > 1) {
          throw new ConfigException(key + ".kappa_thresholds." + type + " must be within [-1, 1], got " + v);
        }
      });
    }
    if (minSharedUnits != null && minSharedUnits < 1) {
      throw new ConfigException(key + ".min_shared_units must be at least 1, got " + minSharedUnits);
    }
    if (consensusThreshold != null && (consensusThreshold <= 0.5 || consensusThreshold > 1)) {
      throw new ConfigException(key + ".consensus_threshold must be within (0.5, 1], got " + consensusThreshold);
    }
    if (posteriorThreshold != null && (posteriorThreshold <= 0.5 || posteriorThreshold > 1)) {
      throw new ConfigException(key + ".posterior_threshold must be within (0.5, 1], got " + posteriorThreshold);
    }
    if (ratingMargin != null && !(ratingMargin > 0)) {
      throw new ConfigException(key + ".rating_margin must be positive, got " + ratingMargin);
    }
    if (rankingPairs != null && !RANKING_PAIRS.contains(rankingPairs)) {
      throw new ConfigException(key + ".ranking_pairs must be one of " + RANKING_PAIRS + ", got '" + rankingPairs + "'");
    }
    if (dropMeasures != null) {
      dropMeasures.forEach((type, m) -> {
        if (!TaskType.JUDGED.stream().map(TaskType::id).toList().contains(type)) {
          throw new ConfigException(key + ".drop_measures." + type + " is not a judged task type "
              + TaskType.JUDGED.stream().map(TaskType::id).toList());
        }
        if (!MEASURES.contains(m)) {
          throw new ConfigException(key + ".drop_measures." + type + " must be one of " + MEASURES + ", got '" + m
              + "'");
        }
      });
    }
    if (dropConfidence != null && (dropConfidence < 0.5 || dropConfidence >= 1)) {
      throw new ConfigException(key + ".drop_confidence must be within [0.5, 1), got " + dropConfidence);
    }
    if (uncertainPolicy != null && !UNCERTAIN_POLICIES.contains(uncertainPolicy)) {
      throw new ConfigException(key + ".uncertain_policy must be one of " + UNCERTAIN_POLICIES + ", got '"
          + uncertainPolicy + "'");
    }
    if (resolutionMethod != null && !METHODS.contains(resolutionMethod)) {
      throw new ConfigException(key + ".resolution_method must be one of " + METHODS + ", got '" + resolutionMethod
          + "'");
    }
    if (unscoredWeight != null && (unscoredWeight < 0 || unscoredWeight > 1)) {
      throw new ConfigException(key + ".unscored_weight must be within [0, 1], got " + unscoredWeight);
    }
  }

  private static void requireSet(String key, Object value) {
    if (value == null) {
      throw new ConfigException(key + " is required");
    }
  }
}
