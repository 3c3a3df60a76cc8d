package dev.concord.agreement;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import dev.concord.schema.Col;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Agreement of every annotator pair: the pair's own contingency tables, Light's kappa (the mean of the pairs' Cohen
 * kappas) and Kendall's tau-b between two annotators' rankings. Rankings hold no ties, so over the response pairs two
 * annotators share, tau-b = (concordant - discordant) / (concordant + discordant) = 2 * agreement - 1.
 */
public final class PairAgreement {
  private PairAgreement() {}

  public static final String OTHER = "other_annotator";
  public static final String LIGHT_KAPPA = "light_kappa";
  public static final String PAIRS = "pairs";
  public static final String TAU_B = "tau_b";

  /** Contingency counts per annotator pair (annotator before other_annotator) on their shared units. */
  public static Dataset<Row> counts(Dataset<Row> units, List<String> groups) {
    List<String> on = new ArrayList<>(groups);
    on.add(Col.UNIT);
    Dataset<Row> a = units.select(Fleiss.cols(on, col(Col.ANNOTATOR), col(Col.CATEGORY), col(Col.ORDINAL)));
    Dataset<Row> b = units.select(Fleiss.cols(on, col(Col.ANNOTATOR).as(OTHER), col(Col.CATEGORY).as(Col.OTHER_CATEGORY),
        col(Col.ORDINAL).as(Col.OTHER_ORDINAL)));
    return a.join(b, on.toArray(new String[0])).filter(col(Col.ANNOTATOR).lt(col(OTHER)))
        .groupBy(Fleiss.cols(groups, col(Col.ANNOTATOR), col(OTHER), col(Col.CATEGORY), col(Col.ORDINAL),
            col(Col.OTHER_CATEGORY), col(Col.OTHER_ORDINAL)))
        .agg(count(lit(1)).as(Col.COUNT));
  }

  /** Cohen's kappa of every pair, then their mean per group (Light's kappa). */
  public static Dataset<Row> light(Dataset<Row> pairCounts, List<String> groups, Weights weights) {
    List<String> pair = new ArrayList<>(groups);
    pair.add(Col.ANNOTATOR);
    pair.add(OTHER);
    return Kappa.of(pairCounts, pair, weights).groupBy(Fleiss.cols(groups))
        .agg(avg(Kappa.KAPPA).as(LIGHT_KAPPA), count(lit(1)).as(PAIRS));
  }

  /** Kendall's tau-b per annotator pair, from the pair counts of ranking units (above / below). */
  public static Dataset<Row> tauB(Dataset<Row> rankingPairCounts, List<String> groups) {
    List<String> pair = new ArrayList<>(groups);
    pair.add(Col.ANNOTATOR);
    pair.add(OTHER);
    return Kappa.of(rankingPairCounts, pair, Weighting.NOMINAL)
        .select(Fleiss.cols(pair, col(Kappa.UNITS), col(Kappa.OBSERVED).multiply(2).minus(1).as(TAU_B)));
  }
}
