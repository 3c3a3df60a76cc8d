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
   * The annotators' table with each annotator's {@link #timeOnTask} rows and {@code Confusion} cells as lists in a
   * fixed order (empty for an annotator without any).
   */
  public static Dataset<Row> attach(Dataset<Row> annotators, Dataset<Row> timeOnTask, Dataset<Row> confusion) {
    Dataset<Row> times = timeOnTask.groupBy(Col.ANNOTATOR).agg(array_sort(collect_list(struct(col(Col.PROJECT),
        col(Col.TASK_TYPE), col(Col.SUBMISSIONS), col(Col.TIMED_SUBMISSIONS), col(Col.MEDIAN_S), col(Col.FAST_FLOOR_S),
        col(Col.FAST_SHARE)))).as(Col.TIME_ON_TASK));
    Dataset<Row> cells = confusion.groupBy(Col.ANNOTATOR).agg(array_sort(collect_list(struct(col(Col.PROJECT),
        col(Col.TASK_TYPE), col(Col.ANSWER), col(Col.RESOLVED), col(Col.COUNT)))).as(Col.CONFUSION));
    return annotators.join(times, new String[] {Col.ANNOTATOR}, "left")
        .join(cells, new String[] {Col.ANNOTATOR}, "left")
        .withColumn(Col.TIME_ON_TASK, coalesce(col(Col.TIME_ON_TASK), array().cast(TIME_ON_TASK_TYPE)))
        .withColumn(Col.CONFUSION, coalesce(col(Col.CONFUSION), array().cast(CONFUSION_TYPE)));
  }
}
