package dev.concord.agreement;

import org.apache.spark.sql.Column;

/** Disagreement weights of a contingency cell, as a column: 0 for agreement, up to 1 for the worst disagreement. */
@FunctionalInterface
public interface Weights {
  Column weight(Column categoryA, Column categoryB, Column rankA, Column rankB, Column categories);
}
