package dev.concord.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.spark.sql.avro.SchemaConverters;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Every table Concord reads or publishes, each described by its {@code schemas/NAME.avsc}. */
public enum Table {
  SUBMISSION("submission", false),
  GOLD("gold", false),
  PREFERENCES("preferences", true),
  SFT("sft", true),
  LABELS("labels", true),
  ANNOTATORS("annotators", true),
  REVIEW("review", true),
  QUARANTINE("quarantine", true),
  LINEAGE("lineage", true),
  DECISIONS("decisions", true),
  DUPLICATES("duplicates", true),
  CHANGES("changes", true);

  private final String name;
  private final boolean published;
  private volatile Schema avro;
  private volatile StructType struct;

  Table(String name, boolean published) {
    this.name = name;
    this.published = published;
  }

  /**
   * Whether the table is a record table, published as {@code train-*.parquet} and {@code test-*.parquet} files (its
   * {@code split} column kept in the rows), so that the Hugging Face loaders return its splits.
   */
  public boolean bySplit() {
    return this == PREFERENCES || this == SFT || this == LABELS;
  }

  /** The folder name of a published table. */
  public String folder() {
    return name;
  }

  public boolean published() {
    return published;
  }

  public Schema avroSchema() {
    if (avro == null) {
      try (InputStream in = Table.class.getResourceAsStream("/schemas/" + name + ".avsc")) {
        if (in == null) {
          throw new IllegalStateException("schemas/" + name + ".avsc is not on the classpath");
        }
        avro = new Schema.Parser().parse(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return avro;
  }

  /**
   * The Spark type of the top-level field {@code name}, nullable at every level: the shape the stages build rows in
   * (rows are checked against the contract's rules, not against Spark's nullability).
   */
  public DataType fieldType(String name) {
    return nullable(structType().apply(name).dataType());
  }

  /**
   * {@code type} with every nested field, element and map value nullable: a cast to it may relax nullability, never
   * add it.
   */
  public static DataType nullable(DataType type) {
    if (type instanceof StructType s) {
      StructType out = new StructType();
      for (StructField f : s.fields()) {
        out = out.add(f.name(), nullable(f.dataType()), true);
      }
      return out;
    }
    if (type instanceof ArrayType a) {
      return DataTypes.createArrayType(nullable(a.elementType()), true);
    }
    if (type instanceof MapType m) {
      return DataTypes.createMapType(m.keyType(), nullable(m.valueType()), true);
    }
    return type;
  }

  /** The Spark schema derived from the .avsc, with its nullability. */
  public StructType structType() {
    if (struct == null) {
      struct = (StructType) SchemaConverters.toSqlType(avroSchema()).dataType();
    }
    return struct;
  }
}
