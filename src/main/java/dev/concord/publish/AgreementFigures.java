package dev.concord.publish;

import dev.concord.schema.Col;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Row;

/** Agreement figures as the manifest, the card and the agreement report show them. */
public final class AgreementFigures {
  private AgreementFigures() {}

  /** A project's agreement row as plain values (every column but the keys), in the row's column order. */
  public static Map<String, Object> projectFigures(Row p) {
    Map<String, Object> f = new LinkedHashMap<>();
    for (String field : p.schema().fieldNames()) {
      if (!field.equals(Col.PROJECT) && !field.equals(Col.TASK_TYPE)) {
        f.put(field, p.getAs(field));
      }
    }
    return f;
  }

  /** A figure with its interval ({@code name}, {@code name_low}, {@code name_high}), or n/a when absent. */
  public static String interval(Map<String, Object> figures, String name) {
    if (!(figures.get(name) instanceof Number n)) {
      return "n/a";
    }
    String s = String.format(java.util.Locale.ROOT, "%.4f", n.doubleValue());
    if (figures.get(name + "_low") instanceof Number l && figures.get(name + "_high") instanceof Number h) {
      s += String.format(java.util.Locale.ROOT, " (%.3f to %.3f)", l.doubleValue(), h.doubleValue());
    }
    return s;
  }
}
