package dev.concord.ingest;

import org.apache.spark.sql.Column;

/**
 * One validation rule as a value: where {@code fails} holds, the line is rejected with {@code reason} (a stable
 * code) and {@code detail} (what is wrong, with the offending values). Rules are evaluated in order; the first that
 * fails names the problem.
 */
record Rule(String reason, Column fails, Column detail) {}
