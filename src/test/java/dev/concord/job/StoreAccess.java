package dev.concord.job;

import org.apache.spark.sql.types.DataType;

/** Test access to the store's schema helpers. */
public final class StoreAccess {
  private StoreAccess() {}

  public static DataType nullable(DataType t) {
    return Store.nullable(t);
  }
}
