package dev.concord.job;

import dev.concord.schema.Col;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reads input files as lines of bytes, exactly as JSON Lines defines them: only {@code \n} ends a line (a lone CR
 * is whitespace inside it, and one CR before the LF belongs to the line ending), nothing is decoded, so a line's
 * bytes reach ingest as they were written. Plain files are read in splits, each owning the lines that start in it;
 * a gzip file (known by its magic bytes) is one split, and when it breaks off or is corrupt the lines before the
 * break are kept and the break itself becomes a line with a reason, naming the offsets.
 */
final class LineReader {
  private LineReader() {}

  /** The rows a read yields: where each line is and its bytes; a reason and detail for a fault of the file. */
  static final StructType LINES = new StructType()
      .add(Col.SOURCE_FILE, DataTypes.StringType).add(Col.BLOCK_START, DataTypes.LongType)
      .add(Col.ROW_ID, DataTypes.LongType).add(Col.RAW, DataTypes.BinaryType)
      .add(Col.REASON, DataTypes.StringType).add(Col.DETAIL, DataTypes.StringType);

  /** Bytes kept of a line longer than the limit: enough to see what it is. */
  static final int KEPT_OF_LONG_LINE = 1 << 20;

  /** A byte range of one file; {@code gzip} files are read whole. A class, not a record: Kryo ships it. */
  static final class Split implements Serializable {
    private final String file;
    private final long start;
    private final long end;
    private final boolean gzip;

    Split(String file, long start, long end, boolean gzip) {
      this.file = file;
      this.start = start;
      this.end = end;
      this.gzip = gzip;
    }

    String file() {
      return file;
    }

    long start() {
      return start;
    }

    long end() {
      return end;
    }

    boolean gzip() {
      return gzip;
    }
  }

  /** The splits of {@code files}: plain files cut every {@code splitBytes}, gzip files whole. */
  static List<Split> splits(List<InputFiles.File> files, long splitBytes) {
    List<Split> out = new ArrayList<>();
    for (InputFiles.File f : files) {
      if (f.gzip() || f.size() == 0) {
        out.add(new Split(f.path(), 0, f.size(), f.gzip()));
        continue;
      }
      for (long start = 0; start < f.size(); start += splitBytes) {
        out.add(new Split(f.path(), start, Math.min(f.size(), start + splitBytes), false));
      }
    }
    return out;
  }

  /**
   * The split and task size Spark's own file sources take ({@code FilePartition.maxSplitBytes}): at most
   * {@code maxPartitionBytes}, but small enough that the input is spread over every core, so that a small batch is
   * not read by one task while the other cores wait.
   */
  static long splitBytes(List<InputFiles.File> files, long maxPartitionBytes, long openCost, int cores) {
    long total = files.stream().mapToLong(f -> f.size() + openCost).sum();
    return Math.min(maxPartitionBytes, Math.max(openCost, total / Math.max(1, cores)));
  }

  /**
   * Splits packed into tasks of about {@code taskBytes}, each split costing its bytes plus {@code openCost}, so a
   * thousand tiny files are not a thousand tasks. A task is closed once it reaches {@code taskBytes} (Spark closes
   * one before it would pass it): with {@link #splitBytes} that makes as many tasks as cores, where closing early
   * would leave a small last task running alone while the other cores wait.
   */
  static List<List<Split>> pack(List<Split> splits, long taskBytes, long openCost) {
    List<List<Split>> tasks = new ArrayList<>();
    List<Split> current = new ArrayList<>();
    long bytes = 0;
    for (Split s : splits) {
      current.add(s);
      bytes += s.end() - s.start() + openCost;
      if (bytes >= taskBytes) {
        tasks.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
    }
    if (!current.isEmpty()) {
      tasks.add(current);
    }
    return tasks;
  }

  /** The lines of the splits, one after another. */
  static Iterator<Row> read(List<Split> splits, int maxLineBytes) {
    return splits.stream().flatMap(s -> {
      Iterable<Row> lines = () -> read(s, maxLineBytes);
      return java.util.stream.StreamSupport.stream(lines.spliterator(), false);
    }).iterator();
  }

  /**
   * A split of a file to read again from its start up to its line {@code lastRow}: where a line was read before, its
   * {@code block_start} and {@code row_id} find it again, whatever the split size of that first reading.
   */
  static final class Reread implements Serializable {
    private static final long serialVersionUID = 1L;
    // A class, not a record: Kryo, Spark's serializer here, cannot write records' fields.
    private final Split split;
    private final long lastRow;

    /** The split at {@code blockStart} of {@code file}, read up to its line {@code lastRow} (whatever its end). */
    Reread(InputFiles.File file, long blockStart, long lastRow) {
      this.split = new Split(file.path(), blockStart, file.size(), file.gzip());
      this.lastRow = lastRow;
    }
  }

  /** The lines of a {@link Reread}, stopping after its last row (and closing the file there). */
  static Iterator<Row> read(Reread r, int maxLineBytes) {
    Lines lines = new Lines(r.split, maxLineBytes);
    return new Iterator<>() {
      private Row next;
      private boolean done;

      @Override
      public boolean hasNext() {
        if (next == null && !done) {
          next = lines.next();
          if (next == null || next.getLong(2) >= r.lastRow) {
            done = true;
            lines.close();
          }
        }
        return next != null;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Row row = next;
        next = null;
        return row;
      }
    };
  }

  /** The lines that start in {@code split}; opening the file lazily, so a task holds one file open at a time. */
  static Iterator<Row> read(Split split, int maxLineBytes) {
    return new Iterator<>() {
      private Lines lines;
      private Row next;
      private boolean done;

      @Override
      public boolean hasNext() {
        if (next == null && !done) {
          if (lines == null) {
            lines = new Lines(split, maxLineBytes);
          }
          next = lines.next();
          if (next == null) {
            done = true;
            lines.close();
          }
        }
        return next != null;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Row r = next;
        next = null;
        return r;
      }
    };
  }

  /** The line cursor over one split, scanning its own buffer for newlines. */
  private static final class Lines {
    private final Split split;
    private final int maxLineBytes;
    private InputStream in;
    private CountingStream compressed;
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos;
    private int chunkLen;
    /** Offset in the (uncompressed) stream of the next byte to scan. */
    private long position;
    private long row;
    private boolean ended;
    private byte[] line = new byte[8192];

    Lines(Split split, int maxLineBytes) {
      this.split = split;
      this.maxLineBytes = maxLineBytes;
    }

    /** The next line's row, or null at the end of the split. */
    Row next() {
      if (ended) {
        return null;
      }
      long lineStart = position;
      int length = 0;
      long total = 0;
      try {
        if (in == null && !open()) {
          return null;
        }
        lineStart = position;
        if (!split.gzip() && position >= split.end()) {
          ended = true;
          return null;
        }
        boolean newline = false;
        while (!newline) {
          if (chunkPos == chunkLen && !fill()) {
            ended = true;
            if (total == 0) {
              return null;
            }
            break;
          }
          int from = chunkPos;
          int to = from;
          while (to < chunkLen && chunk[to] != '\n') {
            to++;
          }
          newline = to < chunkLen;
          int n = to - from;
          int keep = (int) Math.min(n, Math.max(0, maxLineBytes - length));
          if (keep > 0) {
            if (length + keep > line.length) {
              line = Arrays.copyOf(line, (int) Math.min(Math.max((long) line.length * 2, length + keep),
                  maxLineBytes));
            }
            System.arraycopy(chunk, from, line, length, keep);
            length += keep;
          }
          total += n;
          chunkPos = newline ? to + 1 : to;
          position += chunkPos - from;
        }
      } catch (IOException e) {
        ended = true;
        return fault(lineStart, Arrays.copyOf(line, length), e);
      }
      if (total > maxLineBytes) {
        int kept = Math.min(length, KEPT_OF_LONG_LINE);
        return row(Arrays.copyOf(line, kept), "line_too_long", "the line has " + total + " bytes, above the most a"
            + " line may hold (limits.max_line_bytes = " + maxLineBytes + "); its first " + kept + " bytes are kept"
            + " as its raw text");
      }
      int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
      return row(Arrays.copyOf(line, end), null, null);
    }

    private boolean fill() throws IOException {
      int n = in.read(chunk, 0, chunk.length);
      while (n == 0) {
        n = in.read(chunk, 0, chunk.length);
      }
      chunkPos = 0;
      chunkLen = Math.max(n, 0);
      return n > 0;
    }

    private Row row(byte[] raw, String reason, String detail) {
      return new GenericRowWithSchema(new Object[] {split.file(), split.start(), row++, raw, reason, detail}, LINES);
    }

    /** Opens the file at the split's first line; false when the split holds no line start. */
    private boolean open() throws IOException {
      FileChannel channel;
      try {
        channel = FileChannel.open(Path.of(split.file()), StandardOpenOption.READ);
      } catch (IOException e) {
        throw new IOException("cannot open the file: " + e.getClass().getSimpleName(), e);
      }
      InputStream raw = Channels.newInputStream(channel);
      if (split.gzip()) {
        compressed = new CountingStream(new BufferedInputStream(raw, 1 << 16));
        in = new GZIPInputStream(compressed, 1 << 16);
        return true;
      }
      long from = split.start() == 0 ? 0 : split.start() - 1;
      channel.position(from);
      in = raw;
      position = from;
      if (split.start() > 0) {
        // The line that runs into this split belongs to the split before; ours start after its newline.
        while (true) {
          if (chunkPos == chunkLen && !fill()) {
            ended = true;
            return false;
          }
          byte b = chunk[chunkPos++];
          position++;
          if (b == '\n') {
            return true;
          }
        }
      }
      return true;
    }

    /** The break in a file as a line of its own: the partial line's bytes, what happened and where. */
    private Row fault(long lineStart, byte[] partial, IOException e) {
      if (compressed == null) {
        return row(partial, "unreadable_file", "the file could not be read at byte " + position + " ("
            + describe(e) + "); the lines before were read, the rest of the file is lost");
      }
      boolean truncated = e instanceof EOFException;
      return row(partial, truncated ? "truncated_file" : "corrupt_file", "the gzip file "
          + (truncated ? "breaks off" : "is corrupt (" + describe(e) + ")") + " after reading " + compressed.count
          + " of its " + split.end() + " bytes, at byte " + position + " of its content, in line " + (row + 1)
          + " (which started at content byte " + lineStart + "); the " + row + " lines before it were read, the"
          + " rest of the file is lost; this row's raw text is what was read of the broken line");
    }

    private static String describe(IOException e) {
      return e instanceof ZipException ? e.getMessage() : e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    void close() {
      if (in != null) {
        try {
          in.close();
        } catch (IOException e) {
          // Reading is over; a failure to close changes nothing that was read.
        }
      }
    }
  }

  /** Counts the bytes read through it: how far into a gzip file the decompressor got. */
  private static final class CountingStream extends FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
