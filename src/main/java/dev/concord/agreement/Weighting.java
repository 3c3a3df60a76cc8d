package dev.concord.agreement;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;

/**
 * How much a disagreement between two categories counts, from their ranks in the sorted category set of the
 * comparison (as R irr, scikit-learn and SAS do): nominal 0 or 1, linear |i-j|/(k-1), quadratic ((i-j)/(k-1))^2.
 */
public enum Weighting implements Weights {
  NOMINAL, LINEAR, QUADRATIC;

  @Override
  public Column weight(Column categoryA, Column categoryB, Column rankA, Column rankB, Column categories) {
    Column span = when(categories.gt(1), categories.minus(1)).otherwise(lit(1));
    return switch (this) {
      case NOMINAL -> when(rankA.equalTo(rankB), lit(0.0)).otherwise(lit(1.0));
      case LINEAR -> abs(rankA.minus(rankB)).divide(span);
      case QUADRATIC -> pow(rankA.minus(rankB).divide(span), 2);
    };
  }
}
