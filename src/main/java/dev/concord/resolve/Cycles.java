package dev.concord.resolve;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Cycles among one ranking item's pair decisions. Spark has no graph function, and an item has a handful of
 * responses, so this is plain Java over the item's edges: a depth-first search in sorted order, so that the cycle
 * reported is the same in every run.
 */
final class Cycles {
  private Cycles() {}

  /** {@code edges: array<struct<winner, loser>>} to a cycle such as "a > b > c > a", or null when there is none. */
  static final UserDefinedFunction FIND = functions.udf((UDF1<Seq<Row>, String>) edges -> find(
      CollectionConverters.asJava(edges).stream().map(r -> List.of(r.getString(0), r.getString(1))).toList()),
      DataTypes.StringType);

  /** @param edges pairs (winner, loser) */
  static String find(List<List<String>> edges) {
    Map<String, TreeSet<String>> beats = new TreeMap<>();
    for (List<String> e : edges) {
      beats.computeIfAbsent(e.get(0), x -> new TreeSet<>()).add(e.get(1));
      beats.computeIfAbsent(e.get(1), x -> new TreeSet<>());
    }
    Map<String, Integer> state = new HashMap<>();
    for (String start : beats.keySet()) {
      List<String> path = new ArrayList<>();
      String cycle = visit(start, beats, state, path);
      if (cycle != null) {
        return cycle;
      }
    }
    return null;
  }

  private static final int ON_PATH = 1;
  private static final int DONE = 2;

  private static String visit(String node, Map<String, TreeSet<String>> beats, Map<String, Integer> state,
      List<String> path) {
    Integer s = state.get(node);
    if (s != null && s == DONE) {
      return null;
    }
    if (s != null && s == ON_PATH) {
      List<String> loop = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
      loop.add(node);
      return String.join(" > ", loop);
    }
    state.put(node, ON_PATH);
    path.add(node);
    for (String next : beats.get(node)) {
      String cycle = visit(next, beats, state, path);
      if (cycle != null) {
        return cycle;
      }
    }
    path.remove(path.size() - 1);
    state.put(node, DONE);
    return null;
  }
}
