package dev.concord.job;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concord.ingest.ExportPiece;
import dev.concord.ingest.Exports;
import dev.concord.schema.Col;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads annotation tools' exports as a stream of records: the elements of one JSON array (a Label Studio export,
 * an Argilla {@code to_json}), or one JSON object per line. A file of hundreds of megabytes is never held whole: a
 * first pass finds record boundaries with Jackson's streaming parser (skipping each record unread), the second reads
 * the runs of records between them in parallel, one record at a time. A file that stops being JSON keeps the records
 * before the break; the break becomes one row with its byte offset.
 *
 * <p>An export's pieces are not lines, and their rows say where they are otherwise: {@code block_start} is
 * {@link #EXPORT_BLOCK} and {@code row_id} the 1-based number of the task or record, shifted left by
 * {@link #PART_BITS}, plus the piece's place in it ({@link dev.concord.publish.LineNumbers} reads it back).
 */
final class ExportReader {
  private ExportReader() {}

  static final long EXPORT_BLOCK = -1;
  static final int PART_BITS = dev.concord.publish.LineNumbers.PART_BITS;

  /** Pieces as rows: {@link LineReader#LINES} and whether the piece is a gold label. */
  static final StructType PIECES = LineReader.LINES.add(Col.IS_GOLD, DataTypes.BooleanType);

  /** How an export lays out its records. */
  enum Layout { ARRAY, LINES, PARQUET }

  /** Bytes kept of a record that breaks the file: enough to see what it is. */
  static final int KEPT_OF_BROKEN_RECORD = 1 << 20;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** A run of records of one file, from {@code start} (0, or a record's first byte) to {@code end}. */
  static final class Split implements Serializable {
    final String file;
    final Exports.Format format;
    final Layout layout;
    final boolean gzip;
    final long firstRecord;
    final long start;
    final long end;

    Split(String file, Exports.Format format, Layout layout, boolean gzip, long firstRecord, long start, long end) {
      this.file = file;
      this.format = format;
      this.layout = layout;
      this.gzip = gzip;
      this.firstRecord = firstRecord;
      this.start = start;
      this.end = end;
    }
  }

  /** What a file was recognised as: its format and how it lays out its records (null for the contract's JSON Lines). */
  record Recognised(Exports.Format format, Layout layout) {}

  /**
   * The format of {@code f} from its first bytes (through gzip): a JSON array whose first element is a Label Studio
   * task or an Argilla record; JSON Lines whose first line is an Argilla record (else the contract's own, whose bad
   * lines are quarantined as ever); Parquet, Argilla's flat form. {@code given} (from {@code --input-format})
   * decides the format, the bytes the layout. A JSON array or Parquet file that fits neither tool is refused.
   */
  static Recognised recognise(InputFiles.File f, Exports.Format given, JsonFactory json,
      java.util.function.Function<String, List<String>> parquetColumns) {
    int first;
    byte[] head = new byte[4];
    try (InputStream in = open(f.path(), 0, f.gzip())) {
      int n = in.readNBytes(head, 0, 4);
      if (n == 4 && new String(head, StandardCharsets.ISO_8859_1).equals("PAR1") && !f.gzip()) {
        if (given == Exports.Format.LABEL_STUDIO || given == Exports.Format.CONCORD) {
          throw new dev.concord.config.ConfigException("--input " + f.path() + " is a Parquet file, which "
              + given.id() + " input never is (Argilla's flat export may be Parquet)");
        }
        List<String> columns = parquetColumns.apply(f.path());
        if (given == null && Exports.byKeys(columns) != Exports.Format.ARGILLA) {
          throw new dev.concord.config.ConfigException("--input " + f.path() + " is a Parquet file without Argilla's"
              + " QUESTION.responses columns (it has " + columns + "): not an export Concord reads");
        }
        return new Recognised(Exports.Format.ARGILLA, Layout.PARQUET);
      }
    } catch (IOException e) {
      return new Recognised(given == null ? Exports.Format.CONCORD : given, Layout.LINES);
    }
    try (InputStream in = open(f.path(), 0, f.gzip()); JsonParser p = json.createParser(in)) {
      first = firstByte(f);
      if (given == Exports.Format.CONCORD || (first != '[' && first != '{')) {
        return new Recognised(given == null ? Exports.Format.CONCORD : given,
            first == '[' ? Layout.ARRAY : Layout.LINES);
      }
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_ARRAY) {
        t = p.nextToken();
        if (t == JsonToken.END_ARRAY && given == null) {
          // An empty export (a quiet night) holds nothing to read in any format.
          return new Recognised(null, Layout.ARRAY);
        }
      }
      List<String> keys = new ArrayList<>();
      if (t == JsonToken.START_OBJECT) {
        for (t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
          keys.add(p.currentName());
          p.nextToken();
          p.skipChildren();
        }
      }
      Exports.Format byKeys = keys.contains("submission_id") ? Exports.Format.CONCORD : Exports.byKeys(keys);
      Layout layout = first == '[' ? Layout.ARRAY : Layout.LINES;
      if (given != null) {
        return new Recognised(given, layout);
      }
      if (first == '{') {
        return new Recognised(byKeys == null ? Exports.Format.CONCORD : byKeys, layout);
      }
      if (byKeys == null || byKeys == Exports.Format.CONCORD) {
        throw new dev.concord.config.ConfigException("--input " + f.path() + " is a JSON array whose first element "
            + (keys.isEmpty() ? "is no object" : "has the keys " + keys) + ": neither a Label Studio task (with"
            + " 'annotations') nor an Argilla record (with 'fields', 'responses' or QUESTION.responses); give"
            + " --input-format if it is one");
      }
      return new Recognised(byKeys, layout);
    } catch (IOException e) {
      // Not JSON from its first record: read as given, else as lines, whose reading says what is wrong.
      int b = firstByte(f);
      return new Recognised(given == null ? Exports.Format.CONCORD : given, b == '[' ? Layout.ARRAY : Layout.LINES);
    }
  }

  /** The first byte that is not whitespace (or a byte order mark), or -1. */
  private static int firstByte(InputFiles.File f) {
    try (InputStream in = open(f.path(), 0, f.gzip())) {
      for (int b = in.read(); b >= 0; b = in.read()) {
        if (b != ' ' && b != '\t' && b != '\n' && b != '\r' && b != 0xEF && b != 0xBB && b != 0xBF) {
          return b;
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /**
   * Every export file's pieces ({@link #PIECES}): the files scanned for record boundaries in one job (a task per
   * file), their splits read in the next; Parquet files through Spark's reader, a record a row.
   */
  static Dataset<Row> pieces(SparkSession spark, List<InputFiles.File> files, List<Recognised> formats,
      Exports exports, long splitBytes, int maxLineBytes) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // Each file as one split to scan (a class, not a record: Kryo ships it).
    List<Split> scanned = new ArrayList<>();
    List<String> parquet = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      if (formats.get(i).layout() == Layout.PARQUET) {
        parquet.add(files.get(i).path());
      } else {
        InputFiles.File f = files.get(i);
        scanned.add(new Split(f.path(), formats.get(i).format(), formats.get(i).layout(), f.gzip(), 1, 0, f.size()));
      }
    }
    int maxString = maxLineBytes;
    Dataset<Row> out = spark.createDataFrame(List.of(), PIECES);
    if (!scanned.isEmpty()) {
      List<Split> splits = sc.parallelize(scanned, scanned.size())
          .flatMap(f -> scan(new InputFiles.File(f.file, f.end, f.gzip), f.format, f.layout, splitBytes,
              dev.concord.ingest.Exports.jsonFactory()).iterator())
          .collect();
      JavaRDD<Row> rows = sc.parallelize(splits, Math.max(1, splits.size()))
          .mapPartitions(part -> {
            JsonFactory json = dev.concord.ingest.Exports.jsonFactory();
            List<Split> mine = new ArrayList<>();
            part.forEachRemaining(mine::add);
            return mine.stream().flatMap(split -> {
              Iterable<Row> rowsOf = () -> read(split, exports, json, maxString);
              return java.util.stream.StreamSupport.stream(rowsOf.spliterator(), false);
            }).iterator();
          });
      out = out.unionByName(spark.createDataFrame(rows, PIECES));
    }
    for (String file : parquet) {
      Dataset<Row> records = spark.read().parquet(file);
      org.apache.spark.sql.Column[] columns = java.util.Arrays.stream(records.columns())
          .map(c -> org.apache.spark.sql.functions.col("`" + c + "`")).toArray(org.apache.spark.sql.Column[]::new);
      JavaRDD<Row> rows = records.select(org.apache.spark.sql.functions.to_json(
              org.apache.spark.sql.functions.struct(columns)).as("json"),
              org.apache.spark.sql.functions.col("_metadata.row_index").as("row_index"))
          .javaRDD().mapPartitions(part -> {
            JsonFactory json = dev.concord.ingest.Exports.jsonFactory();
            return flatten(() -> part.hasNext() ? record(file, part.next(), exports, json) : null);
          });
      out = out.unionByName(spark.createDataFrame(rows, PIECES));
    }
    return out;
  }

  /** One Parquet row (as JSON) of an Argilla export: its pieces. */
  private static List<Row> record(String file, Row row, Exports exports, JsonFactory json) {
    long number = row.getLong(1) + 1;
    try (JsonParser p = json.createParser(row.getString(0))) {
      return rows(file, exports.convert(file, Exports.Format.ARGILLA, MAPPER.readTree(p), number));
    } catch (IOException e) {
      return List.of(new GenericRowWithSchema(new Object[] {file, EXPORT_BLOCK, number << PART_BITS,
          row.getString(0).getBytes(StandardCharsets.UTF_8), "invalid_json", "row " + number + " cannot be read"
          + " as a record (" + e.getClass().getSimpleName() + ")", false}, PIECES));
    }
  }

  /**
   * The splits of one file, about {@code splitBytes} each, cut at record boundaries (a gzip file is one). Where the
   * file stops being JSON the scan stops: the last split reads up to the break and reports it.
   */
  static List<Split> scan(InputFiles.File f, Exports.Format format, Layout layout, long splitBytes,
      JsonFactory json) {
    List<Split> out = new ArrayList<>();
    if (f.gzip()) {
      out.add(new Split(f.path(), format, layout, true, 1, 0, Long.MAX_VALUE));
      return out;
    }
    List<long[]> starts = new ArrayList<>();
    starts.add(new long[] {0, 1});
    try (InputStream in = open(f.path(), 0, false)) {
      if (layout == Layout.ARRAY) {
        scanArray(in, splitBytes, json, starts);
      } else {
        scanLines(in, splitBytes, starts);
      }
    } catch (IOException e) {
      // The reading of the last split meets the same fault and reports it.
    }
    for (int i = 0; i < starts.size(); i++) {
      long end = i + 1 < starts.size() ? starts.get(i + 1)[0] : Long.MAX_VALUE;
      out.add(new Split(f.path(), format, layout, false, starts.get(i)[1], starts.get(i)[0], end));
    }
    return out;
  }

  private static void scanArray(InputStream in, long splitBytes, JsonFactory json, List<long[]> starts)
      throws IOException {
    try (JsonParser p = json.createParser(in)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        return;
      }
      long record = 1;
      long last = 0;
      for (JsonToken t = p.nextToken(); t != null && t != JsonToken.END_ARRAY; t = p.nextToken()) {
        long at = p.currentTokenLocation().getByteOffset();
        if (at - last >= splitBytes) {
          starts.add(new long[] {at, record});
          last = at;
        }
        p.skipChildren();
        record++;
      }
    }
  }

  private static void scanLines(InputStream in, long splitBytes, List<long[]> starts) throws IOException {
    byte[] buffer = new byte[1 << 16];
    long position = 0;
    long line = 1;
    long last = 0;
    boolean cut = false;
    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
      for (int i = 0; i < n; i++) {
        if (cut) {
          starts.add(new long[] {position + i, line});
          last = position + i;
          cut = false;
        }
        if (buffer[i] == '\n') {
          line++;
          cut = position + i + 1 - last >= splitBytes;
        }
      }
      position += n;
    }
  }

  /**
   * The rows of a split's records, read lazily one record at a time (a gzip file is one split, and must not be held):
   * each record's pieces, and a break in the file as a row of its own.
   */
  static Iterator<Row> read(Split s, Exports exports, JsonFactory json, int maxLineBytes) {
    if (s.layout == Layout.LINES) {
      Iterator<Row> lines = LineReader.read(new LineReader.Split(s.file, s.start, s.gzip ? Long.MAX_VALUE : s.end,
          s.gzip), maxLineBytes);
      return flatten(() -> lines.hasNext() ? line(s, lines.next(), exports, json) : null);
    }
    ArrayRecords records = new ArrayRecords(s, exports, json);
    return flatten(records::next);
  }

  /** The rows of batches one after another; {@code next} gives null when there are no more. */
  private static Iterator<Row> flatten(java.util.function.Supplier<List<Row>> next) {
    return new Iterator<>() {
      private Iterator<Row> current = java.util.Collections.emptyIterator();
      private boolean done;

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && !done) {
          List<Row> batch = next.get();
          if (batch == null) {
            done = true;
          } else {
            current = batch.iterator();
          }
        }
        return current.hasNext();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return current.next();
      }
    };
  }

  /** The records of a split of a JSON array, one at a time; the file is closed at the split's end or break. */
  private static final class ArrayRecords {
    private final Split s;
    private final Exports exports;
    private final JsonFactory json;
    // A split after the first starts at a record: an opening bracket makes the rest of the file an array again.
    private final long shift;
    private InputStream in;
    private JsonParser p;
    private long record;
    private long recordStart;
    private boolean inRecord;
    private boolean done;

    ArrayRecords(Split s, Exports exports, JsonFactory json) {
      this.s = s;
      this.exports = exports;
      this.json = json;
      this.shift = s.start == 0 ? 0 : s.start - 1;
      this.record = s.firstRecord;
      this.recordStart = s.start;
    }

    /** The next record's rows, or null at the end. */
    List<Row> next() {
      if (done) {
        return null;
      }
      try {
        if (p == null && !open()) {
          return finish(List.of(fault(s, record, 0, "not_a_json_array", "the file is not a JSON array of "
              + noun(s) + "s; nothing of it is read")));
        }
        JsonToken t = p.nextToken();
        if (t == null) {
          recordStart = shift + p.currentLocation().getByteOffset();
          throw new com.fasterxml.jackson.core.io.JsonEOFException(p, null, "the file ends inside its array");
        }
        if (t == JsonToken.END_ARRAY) {
          JsonToken after = p.nextToken();
          long at = shift + p.currentTokenLocation().getByteOffset();
          return finish(after == null ? List.of() : List.of(fault(s, record, at, "invalid_json", "the file goes"
              + " on after its array ends, at byte " + at + "; what follows is not read")));
        }
        recordStart = shift + p.currentTokenLocation().getByteOffset();
        if (recordStart >= s.end) {
          return finish(List.of());
        }
        inRecord = true;
        JsonNode node = MAPPER.readTree(p);
        inRecord = false;
        return rows(s.file, exports.convert(s.file, s.format, node, record++));
      } catch (JsonProcessingException e) {
        long at = shift + (e.getLocation() == null ? 0 : e.getLocation().getByteOffset());
        if (!inRecord) {
          // Broken between records: what follows the last record read is the broken part, not that record.
          recordStart = Math.max(recordStart, at);
        }
        boolean truncated = e instanceof com.fasterxml.jackson.core.io.JsonEOFException;
        return finish(List.of(fault(s, record, recordStart, truncated ? "truncated_file" : "invalid_json",
            "the file " + (truncated ? "breaks off" : "is not valid JSON (" + e.getOriginalMessage().lines()
            .findFirst().orElse("") + ")") + " at byte " + at + ", in " + noun(s) + " " + record + " (which starts"
            + " at byte " + recordStart + "); the " + (record - s.firstRecord) + " " + noun(s) + "s of this part of"
            + " the file before it were read, the rest of the file is lost; this row's raw text is the file from"
            + " that " + noun(s) + " on (at most " + KEPT_OF_BROKEN_RECORD + " bytes)")));
      } catch (IOException e) {
        return finish(List.of(fault(s, record, recordStart, "unreadable_file", "the file could not be read ("
            + e.getClass().getSimpleName() + ") in " + noun(s) + " " + record + "; the rest of the file is lost")));
      }
    }

    /** Opens the split; false when the file does not start as an array. */
    private boolean open() throws IOException {
      in = s.start == 0 ? ExportReader.open(s.file, 0, s.gzip)
          : new SequenceInputStream(new ByteArrayInputStream(new byte[] {'['}), ExportReader.open(s.file, s.start,
          false));
      p = json.createParser(in);
      return p.nextToken() == JsonToken.START_ARRAY;
    }

    private List<Row> finish(List<Row> last) {
      done = true;
      try {
        if (p != null) {
          p.close();
        }
        if (in != null) {
          in.close();
        }
      } catch (IOException e) {
        // Reading is over; a failure to close changes nothing that was read.
      }
      return last;
    }
  }

  private static String noun(Split s) {
    return s.format == Exports.Format.LABEL_STUDIO ? "task" : "record";
  }

  /** One line of a JSON Lines export: its record's pieces, or the line as a bad piece. */
  private static List<Row> line(Split s, Row line, Exports exports, JsonFactory json) {
    long record = s.firstRecord + line.getLong(2);
    byte[] raw = line.getAs(Col.RAW);
    String reason = line.getAs(Col.REASON);
    String detail = line.getAs(Col.DETAIL);
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(raw)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      text = "";
      if (reason == null) {
        reason = "invalid_utf8";
        detail = "line " + record + " is not valid UTF-8; an export must be written in UTF-8";
      }
    }
    if (reason == null && text.isBlank()) {
      reason = "blank_line";
      detail = "line " + record + " is empty; a line must hold one record as a JSON object";
    }
    if (reason == null) {
      try (JsonParser p = json.createParser(text)) {
        JsonNode node = MAPPER.readTree(p);
        if (p.nextToken() != null) {
          throw new com.fasterxml.jackson.core.JsonParseException(p, "content after the record");
        }
        return rows(s.file, exports.convert(s.file, s.format, node, record));
      } catch (IOException e) {
        reason = "invalid_json";
        detail = "line " + record + " is not one JSON value (" + (e instanceof JsonProcessingException j
            ? j.getOriginalMessage().lines().findFirst().orElse("") : e.getClass().getSimpleName()) + ")";
      }
    }
    return List.of(new GenericRowWithSchema(new Object[] {s.file, EXPORT_BLOCK, record << PART_BITS, raw, reason,
        detail, false}, PIECES));
  }

  /** A record's pieces as rows, numbered by their place in it. */
  static List<Row> rows(String file, List<ExportPiece> pieces) {
    List<Row> out = new ArrayList<>(pieces.size());
    for (int part = 0; part < pieces.size(); part++) {
      ExportPiece p = pieces.get(part);
      if (part >= 1 << PART_BITS) {
        throw new IllegalStateException("record " + p.record() + " of " + file + " has more than 2^24 pieces");
      }
      out.add(new GenericRowWithSchema(new Object[] {file, EXPORT_BLOCK, (p.record() << PART_BITS) | part,
          p.json().getBytes(StandardCharsets.UTF_8), p.reason(), p.detail(), p.kind() == ExportPiece.Kind.GOLD},
          PIECES));
    }
    return out;
  }

  /** A break in the file as a row: the file from the broken record on, as far as {@link #KEPT_OF_BROKEN_RECORD}. */
  private static Row fault(Split s, long record, long from, String reason, String detail) {
    byte[] kept;
    try (InputStream in = open(s.file, s.gzip ? 0 : from, s.gzip)) {
      if (s.gzip) {
        in.skipNBytes(from);
      }
      kept = in.readNBytes(KEPT_OF_BROKEN_RECORD);
    } catch (IOException e) {
      kept = new byte[0];
    }
    return new GenericRowWithSchema(new Object[] {s.file, EXPORT_BLOCK, record << PART_BITS, kept, reason, detail,
        false}, PIECES);
  }

  static InputStream open(String file, long position, boolean gzip) throws IOException {
    FileChannel channel = FileChannel.open(Path.of(file), StandardOpenOption.READ);
    channel.position(position);
    InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
    return gzip ? new GZIPInputStream(in, 1 << 16) : in;
  }
}
