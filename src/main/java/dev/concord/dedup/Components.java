package dev.concord.dedup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The connected components of a graph given as (a, b) edges, by union-find: each node with the smallest node of its
 * component as the component's label, which is what label propagation converges to, here in one pass over the edges
 * instead of a Spark job per step of the graph's diameter.
 */
final class Components {
  private Components() {}

  private final Map<String, String> parent = new HashMap<>();

  /** Rows {@code (node, component)} for every node of the {@code (a, b)} edge rows. */
  static Iterator<Row> of(Iterator<Row> edges) {
    Components c = new Components();
    while (edges.hasNext()) {
      Row e = edges.next();
      c.union(e.getString(0), e.getString(1));
    }
    Map<String, String> smallest = new HashMap<>();
    for (String node : c.parent.keySet()) {
      smallest.merge(c.find(node), node, (x, y) -> x.compareTo(y) <= 0 ? x : y);
    }
    List<Row> out = new ArrayList<>(c.parent.size());
    for (String node : c.parent.keySet()) {
      out.add(RowFactory.create(node, smallest.get(c.find(node))));
    }
    return out.iterator();
  }

  private String find(String node) {
    String root = node;
    for (String p = parent.get(root); !p.equals(root); p = parent.get(root)) {
      root = p;
    }
    // Path compression: every node on the way points at the root.
    for (String n = node; !n.equals(root); ) {
      String next = parent.get(n);
      parent.put(n, root);
      n = next;
    }
    return root;
  }

  private void union(String a, String b) {
    parent.putIfAbsent(a, a);
    parent.putIfAbsent(b, b);
    String ra = find(a);
    String rb = find(b);
    if (!ra.equals(rb)) {
      parent.put(ra.compareTo(rb) < 0 ? rb : ra, ra.compareTo(rb) < 0 ? ra : rb);
    }
  }
}
