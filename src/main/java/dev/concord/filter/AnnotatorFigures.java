package dev.concord.filter;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.median;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import dev.concord.config.ConcordConfig.TimeOnTaskSettings;
import dev.concord.schema.Col;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The figures the annotators' table carries beside the keep/drop decision, for a quality lead deciding whom to
 * coach: time on task, and how the annotator's answers fall against the resolved ones.
 */
public final class AnnotatorFigures {
  private AnnotatorFigures() {}

  private static final String TIME_ON_TASK_TYPE = "array<struct<project:string,task_type:string,submissions:bigint,"
      + "timed_submissions:bigint,median_s:double,fast_floor_s:double,fast_share:double>>";
  private static final String MATRIX_TYPE = "array<struct<project:string,task_type:string,answer:string,"
      + "truth:string,probability:double>>";
  private static final String CONFUSION_TYPE = "array<struct<project:string,task_type:string,answer:string,"
      + "resolved:string,count:bigint>>";

  /**
   * Per annotator, project and task type of the active submissions: how many, how many with {@code time_spent_s},
   * their median time and the share of them below the task type's fast floor. Returns {@code annotator, project,
   * task_type, submissions, timed_submissions, median_s, fast_floor_s, fast_share}.
   */
  public static Dataset<Row> timeOnTask(Dataset<Row> active, TimeOnTaskSettings settings) {
    java.util.List<Column> floors = new java.util.ArrayList<>();
    new TreeMap<>(settings.fastFloorS()).forEach((type, seconds) -> {
      floors.add(lit(type));
      floors.add(lit(seconds));
    });
    Column floor = element_at(map(floors.toArray(Column[]::new)), col(Col.TASK_TYPE));
    Column time = col(Col.TIME_SPENT_S);
    return active.withColumn(Col.FAST_FLOOR_S, floor)
        .groupBy(Col.ANNOTATOR, Col.PROJECT, Col.TASK_TYPE)
        .agg(count(lit(1)).as(Col.SUBMISSIONS), count(time).as(Col.TIMED_SUBMISSIONS), median(time).as(Col.MEDIAN_S),
            first(col(Col.FAST_FLOOR_S)).as(Col.FAST_FLOOR_S),
            avg(when(time.isNotNull(), when(time.lt(col(Col.FAST_FLOOR_S)), 1.0).otherwise(0.0))).as(Col.FAST_SHARE));
  }

  /**
   * The annotators' table with each annotator's {@link #timeOnTask} rows, {@code Confusion} cells and Dawid-Skene
   * matrix cells as lists in a fixed order (empty for an annotator without any).
   */
  public static Dataset<Row> attach(Dataset<Row> annotators, Dataset<Row> timeOnTask, Dataset<Row> confusion,
      Dataset<Row> matrices) {
    Dataset<Row> times = listed(timeOnTask, Col.TIME_ON_TASK, Col.SUBMISSIONS, Col.TIMED_SUBMISSIONS, Col.MEDIAN_S,
        Col.FAST_FLOOR_S, Col.FAST_SHARE);
    Dataset<Row> cells = listed(confusion, Col.CONFUSION, Col.ANSWER, Col.RESOLVED, Col.COUNT);
    Dataset<Row> estimated = listed(matrices, Col.DAWID_SKENE, Col.ANSWER, Col.TRUTH, Col.PROBABILITY);
    return annotators.join(times, new String[] {Col.ANNOTATOR}, "left")
        .join(cells, new String[] {Col.ANNOTATOR}, "left")
        .join(estimated, new String[] {Col.ANNOTATOR}, "left")
        .withColumn(Col.TIME_ON_TASK, coalesce(col(Col.TIME_ON_TASK), array().cast(TIME_ON_TASK_TYPE)))
        .withColumn(Col.CONFUSION, coalesce(col(Col.CONFUSION), array().cast(CONFUSION_TYPE)))
        .withColumn(Col.DAWID_SKENE, coalesce(col(Col.DAWID_SKENE), array().cast(MATRIX_TYPE)));
  }

  /** Per annotator, one sorted list {@code name} of (project, task type, {@code fields}) structs. */
  private static Dataset<Row> listed(Dataset<Row> rows, String name, String... fields) {
    Column[] parts = new Column[fields.length + 2];
    parts[0] = col(Col.PROJECT);
    parts[1] = col(Col.TASK_TYPE);
    for (int i = 0; i < fields.length; i++) {
      parts[i + 2] = col(fields[i]);
    }
    return rows.groupBy(Col.ANNOTATOR).agg(array_sort(collect_list(struct(parts))).as(name));
  }
}
