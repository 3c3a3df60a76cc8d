package dev.concord.ingest;

import java.util.List;
import java.util.Map;
import scala.jdk.javaapi.CollectionConverters;

/** Java collections as the values a Spark {@code Row} holds (Scala sequences and maps), nested ones included. */
final class ScalaValues {
  private ScalaValues() {}

  static scala.collection.immutable.Seq<Object> seq(List<?> values) {
    return values == null ? null : CollectionConverters.asScala(values.stream().map(ScalaValues::value).toList())
        .toList();
  }

  static scala.collection.Map<Object, Object> map(Map<?, ?> values) {
    if (values == null) {
      return null;
    }
    Map<Object, Object> converted = new java.util.LinkedHashMap<>();
    values.forEach((k, v) -> converted.put(k, value(v)));
    return CollectionConverters.asScala(converted);
  }

  private static Object value(Object v) {
    if (v instanceof List<?> l) {
      return seq(l);
    }
    if (v instanceof Map<?, ?> m) {
      return map(m);
    }
    return v;
  }
}
