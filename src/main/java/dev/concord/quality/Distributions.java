package dev.concord.quality;

import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;

import org.apache.spark.sql.Column;

/**
 * Histograms as tallies: a value counted in the bin of its lower edge, so that the manifest holds a distribution in
 * as many numbers as it has bins, whatever the number of records.
 */
public final class Distributions {
  private Distributions() {}

  /**
   * Bins of {@code width} from 0, each named by its lower edge with one decimal ("0.5" holds [0.5, 0.6) at width
   * 0.1); the last, {@code last}, holds everything from it up. A value a rounding error below an edge counts in the
   * bin that edge opens, so 0.7 is never put in the bin below.
   */
  public static Tally binned(String name, Column value, double width, double last) {
    Column edge = floor(value.divide(width).plus(1e-9)).multiply(width);
    return new Tally(name, format_string("%.1f", least(edge, lit(last))));
  }
}
