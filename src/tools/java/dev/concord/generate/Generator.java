package dev.concord.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.concord.cli.Main;
import dev.concord.config.ConfigException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code bin/concord generate}: synthetic submissions and gold labels in the contract's format, with known truth.
 * Annotator profiles: expert, good, mediocre, spammer (random answers), adversarial (the worse answer on purpose) and
 * always-first (the first response shown). Everything follows from the seed.
 *
 * <p>Writes {@code DIR/submissions/part-N.jsonl}, {@code DIR/gold/gold.jsonl}, {@code DIR/truth/items.csv} (the
 * truth of every item) and {@code DIR/truth/annotators.csv} (every annotator's raw id and profile).
 */
public final class Generator {
  private Generator() {}

  enum Profile {
    EXPERT(0.95), GOOD(0.85), MEDIOCRE(0.72), SPAMMER(-1), ADVERSARIAL(-1), ALWAYS_FIRST(-1);

    final double accuracy;

    Profile(double accuracy) {
      this.accuracy = accuracy;
    }

    boolean bad() {
      return this == SPAMMER || this == ADVERSARIAL || this == ALWAYS_FIRST;
    }
  }

  private static final String[] WORDS = ("the a of to and in is for on with how what why explain write list "
      + "describe compare python java data model network memory list sort search tree graph cache server request "
      + "error function class test build deploy query index table user account email password security policy "
      + "reason answer example simple clear short long best worst fast slow safe unsafe").split(" ");
  private static final String[] LABELS = {"safe", "unsafe", "borderline"};
  private static final String[] DIMS = {"helpfulness", "accuracy", "harmlessness"};
  private static final ObjectMapper JSON = new ObjectMapper();

  public record Options(Path out, int submissions, long seed, int annotators, int files, double goldShare,
      double badShare, double badLineShare, int minPerItem, int maxPerItem, int textChars) {}

  static final String USAGE = """
      usage: concord generate --out DIR [--submissions N] [--seed S] [--annotators A] [--files F] [--gold-share X]
                              [--bad-annotator-share X] [--bad-line-share X] [--text-chars C]
        --submissions N            submissions to write (1000)
        --seed S                   everything follows from it (1)
        --annotators A             annotators (the larger of 20 and N / 50)
        --files F                  submission files (4)
        --gold-share X             share of items with a gold label (0.1)
        --bad-annotator-share X    share of spammers, adversaries and always-first annotators (0.15)
        --bad-line-share X         share of malformed lines (0.005)
        --text-chars C             about this many characters per prompt and response (400)""";

  /** {@code bin/concord generate ...}: exits 0, 2 for bad usage, 1 for any other failure. */
  public static void main(String[] argv) {
    System.exit(Main.exitCode(() -> run(new Main.Args(argv, 0))));
  }

  static int run(Main.Args args) {
    Path out = null;
    int submissions = 1000;
    long seed = 1;
    int annotators = -1;
    int files = 4;
    double goldShare = 0.1;
    double badShare = 0.15;
    double badLines = 0.005;
    int textChars = 400;
    while (args.hasNext()) {
      String opt = args.next();
      switch (opt) {
        case "--out" -> out = Path.of(args.value(opt));
        case "--submissions" -> submissions = parseInt(opt, args.value(opt));
        case "--seed" -> seed = parseInt(opt, args.value(opt));
        case "--annotators" -> annotators = parseInt(opt, args.value(opt));
        case "--files" -> files = parseInt(opt, args.value(opt));
        case "--gold-share" -> goldShare = parseShare(opt, args.value(opt));
        case "--bad-annotator-share" -> badShare = parseShare(opt, args.value(opt));
        case "--bad-line-share" -> badLines = parseShare(opt, args.value(opt));
        case "--text-chars" -> textChars = parseInt(opt, args.value(opt));
        case "-h", "--help" -> {
          System.out.println(USAGE);
          return 0;
        }
        default -> throw new ConfigException("unknown option '" + opt + "' for generate\n" + USAGE);
      }
    }
    if (out == null) {
      throw new ConfigException("generate needs --out DIR\n" + USAGE);
    }
    if (annotators < 0) {
      annotators = Math.max(20, submissions / 50);
    }
    generate(new Options(out, submissions, seed, annotators, files, goldShare, badShare, badLines, 3, 5, textChars));
    System.out.println("wrote " + submissions + " submissions to " + out);
    return 0;
  }

  private static double parseShare(String opt, String v) {
    try {
      double share = Double.parseDouble(v);
      if (share >= 0 && share <= 1) {
        return share;
      }
    } catch (NumberFormatException e) {
      // reported below, with the value
    }
    throw new ConfigException("option " + opt + " needs a share between 0 and 1, got '" + v + "'");
  }

  private static int parseInt(String opt, String v) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new ConfigException("option " + opt + " needs an integer, got '" + v + "'");
    }
  }

  public static void generate(Options o) {
    SplittableRandom rnd = new SplittableRandom(o.seed());
    List<Profile> profiles = new ArrayList<>();
    int bad = (int) Math.round(o.annotators() * o.badShare());
    for (int i = 0; i < o.annotators(); i++) {
      Profile p;
      if (i < bad) {
        p = i % 3 == 0 ? Profile.SPAMMER : i % 3 == 1 ? Profile.ADVERSARIAL : Profile.ALWAYS_FIRST;
      } else {
        double r = rnd.nextDouble();
        p = r < 0.15 ? Profile.EXPERT : r < 0.75 ? Profile.GOOD : Profile.MEDIOCRE;
      }
      profiles.add(p);
    }
    Collections.shuffle(profiles, new java.util.Random(o.seed()));
    try {
      Path subs = Files.createDirectories(o.out().resolve("submissions"));
      Path goldDir = Files.createDirectories(o.out().resolve("gold"));
      Path truthDir = Files.createDirectories(o.out().resolve("truth"));
      List<BufferedWriter> parts = new ArrayList<>();
      for (int f = 0; f < o.files(); f++) {
        parts.add(Files.newBufferedWriter(subs.resolve(String.format("part-%03d.jsonl", f))));
      }
      try (BufferedWriter gold = Files.newBufferedWriter(goldDir.resolve("gold.jsonl"));
          BufferedWriter truth = Files.newBufferedWriter(truthDir.resolve("items.csv"));
          BufferedWriter who = Files.newBufferedWriter(truthDir.resolve("annotators.csv"))) {
        who.write("annotator_id,profile\n");
        for (int a = 0; a < profiles.size(); a++) {
          who.write(annotatorId(a) + "," + profiles.get(a).name().toLowerCase() + "\n");
        }
        truth.write("item_id,task_type,truth\n");
        int written = 0;
        int item = 0;
        long clock = Instant.parse("2026-11-21T00:00:00Z").getEpochSecond();
        while (written < o.submissions()) {
          item++;
          String itemId = "it-" + o.seed() + "-" + item;
          double t = rnd.nextDouble();
          String type = t < 0.35 ? "pairwise" : t < 0.50 ? "ranking" : t < 0.65 ? "rating" : t < 0.90 ? "label" : "sft";
          Item it = Item.make(itemId, type, rnd, o.textChars());
          truth.write(itemId + "," + type + "," + it.truthText() + "\n");
          if (!type.equals("sft") && rnd.nextDouble() < o.goldShare()) {
            gold.write(it.gold() + "\n");
          }
          int k = o.minPerItem() + rnd.nextInt(o.maxPerItem() - o.minPerItem() + 1);
          List<Integer> chosen = pick(rnd, profiles.size(), k);
          for (int a : chosen) {
            if (written >= o.submissions()) {
              break;
            }
            clock += 1 + rnd.nextInt(30);
            String sid = "s-" + o.seed() + "-" + written;
            String line = it.submission(sid, annotatorId(a), profiles.get(a), rnd, clock);
            BufferedWriter w = parts.get(written % parts.size());
            if (rnd.nextDouble() < o.badLineShare()) {
              w.write(corrupt(line, rnd) + "\n");
            } else {
              w.write(line + "\n");
              if (rnd.nextDouble() < 0.01) {
                w.write(line + "\n");
              }
            }
            written++;
          }
        }
      } finally {
        for (BufferedWriter w : parts) {
          w.close();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String annotatorId(int a) {
    return "worker" + a + "@vendor.example";
  }

  private static List<Integer> pick(SplittableRandom rnd, int n, int k) {
    List<Integer> out = new ArrayList<>();
    while (out.size() < Math.min(k, n)) {
      int a = rnd.nextInt(n);
      if (!out.contains(a)) {
        out.add(a);
      }
    }
    return out;
  }

  /** A line broken in one of the ways the contract lists. */
  private static String corrupt(String line, SplittableRandom rnd) {
    return switch (rnd.nextInt(4)) {
      case 0 -> line.substring(0, line.length() / 2);
      case 1 -> line.replace("\"submitted_at\":\"", "\"submitted_at\":\"yesterday ");
      case 2 -> line.replace("\"task_type\":\"", "\"task_type\":\"x");
      default -> line.replaceFirst("\"item_id\":\"[^\"]*\",", "");
    };
  }

  static String text(SplittableRandom rnd, int chars, String seed) {
    StringBuilder sb = new StringBuilder(seed);
    while (sb.length() < chars) {
      sb.append(' ').append(WORDS[rnd.nextInt(WORDS.length)]);
    }
    return sb.toString();
  }

  /** One item with its truth. */
  private record Item(String id, String type, String prompt, List<String> responseIds, List<String> texts,
      int[] order, int[][] scores, String label) {

    static Item make(String id, String type, SplittableRandom rnd, int chars) {
      String prompt = text(rnd, 40 + rnd.nextInt(80), "Question " + id + ":");
      int n = switch (type) {
        case "pairwise" -> 2;
        case "ranking" -> 3 + rnd.nextInt(2);
        case "rating" -> 2 + rnd.nextInt(2);
        case "label" -> 1;
        default -> 0;
      };
      List<String> ids = new ArrayList<>();
      List<String> texts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ids.add("r" + (i + 1));
        texts.add(text(rnd, chars / 2 + rnd.nextInt(chars), "Answer " + (i + 1) + " to " + id + "."));
      }
      int[] order = new int[n];
      List<Integer> perm = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        perm.add(i);
      }
      Collections.shuffle(perm, new java.util.Random(rnd.nextLong()));
      for (int i = 0; i < n; i++) {
        order[i] = perm.get(i);
      }
      int[][] scores = new int[n][DIMS.length];
      for (int place = 0; place < n; place++) {
        int base = 5 - 2 * place;
        for (int d = 0; d < DIMS.length; d++) {
          scores[order[place]][d] = Math.max(1, Math.min(5, base + (d == 2 ? 0 : rnd.nextInt(2) - (place > 0 ? 1 : 0))));
        }
      }
      return new Item(id, type, prompt, ids, texts, order, scores, LABELS[rnd.nextInt(10) < 6 ? 0 : rnd.nextInt(10) < 7 ? 1 : 2]);
    }

    String project() {
      return switch (type) {
        case "label" -> "safety-v1";
        case "sft" -> "sft-coding";
        default -> "helpfulness-v3";
      };
    }

    String truthText() {
      return switch (type) {
        case "pairwise" -> responseIds.get(order[0]);
        case "ranking" -> String.join(" ", rankingIds(order));
        case "rating" -> String.join(" ", rankingIds(order));
        case "label" -> label;
        default -> "";
      };
    }

    List<String> rankingIds(int[] o) {
      List<String> r = new ArrayList<>();
      for (int i : o) {
        r.add(responseIds.get(i));
      }
      return r;
    }

    String gold() {
      ObjectNode g = JSON.createObjectNode();
      g.put("item_id", id);
      g.put("task_type", type);
      g.set("answer", answer(order, scores, label, 3));
      g.put("source", "expert-review");
      return g.toString();
    }

    ObjectNode answer(int[] o, int[][] s, String lab, int strength) {
      ObjectNode a = JSON.createObjectNode();
      switch (type) {
        case "pairwise" -> {
          a.put("preferred", responseIds.get(o[0]));
          a.put("strength", strength);
        }
        case "ranking" -> {
          ArrayNode r = a.putArray("ranking");
          rankingIds(o).forEach(r::add);
        }
        case "rating" -> {
          ObjectNode ratings = a.putObject("ratings");
          for (int i = 0; i < responseIds.size(); i++) {
            ObjectNode dims = ratings.putObject(responseIds.get(i));
            for (int d = 0; d < DIMS.length; d++) {
              dims.put(DIMS[d], s[i][d]);
            }
          }
        }
        case "label" -> a.put("label", lab);
        default -> { }
      }
      return a;
    }

    String submission(String sid, String annotator, Profile p, SplittableRandom rnd, long epoch) {
      ObjectNode s = JSON.createObjectNode();
      s.put("submission_id", sid);
      s.put("item_id", id);
      s.put("project", project());
      s.put("task_type", type);
      s.put("annotator_id", annotator);
      s.put("submitted_at", Instant.ofEpochSecond(epoch).toString());
      s.put("prompt", prompt);
      if (!type.equals("sft")) {
        ArrayNode rs = s.putArray("responses");
        for (int i = 0; i < responseIds.size(); i++) {
          ObjectNode r = rs.addObject();
          r.put("response_id", responseIds.get(i));
          r.put("text", texts.get(i));
          r.put("model", "m-" + (char) ('a' + i));
        }
      }
      if (type.equals("sft")) {
        ObjectNode a = s.putObject("answer");
        a.put("completion", text(rnd, 80 + rnd.nextInt(200), "Completion by " + annotator.hashCode() + " for " + id + "."));
      } else {
        s.set("answer", answerOf(p, rnd));
      }
      s.put("guideline_version", "2026-10-01");
      s.put("time_spent_s", 20 + rnd.nextInt(200));
      return s.toString();
    }

    private ObjectNode answerOf(Profile p, SplittableRandom rnd) {
      int n = responseIds.size();
      int[] o = order.clone();
      int[][] s = new int[n][];
      for (int i = 0; i < n; i++) {
        s[i] = scores[i].clone();
      }
      String lab = label;
      switch (p) {
        case SPAMMER -> {
          shuffle(o, rnd);
          for (int[] row : s) {
            for (int d = 0; d < row.length; d++) {
              row[d] = 1 + rnd.nextInt(5);
            }
          }
          lab = LABELS[rnd.nextInt(LABELS.length)];
        }
        case ADVERSARIAL -> {
          reverse(o);
          for (int[] row : s) {
            for (int d = 0; d < row.length; d++) {
              row[d] = 6 - row[d];
            }
          }
          lab = label.equals("safe") ? "unsafe" : "safe";
        }
        case ALWAYS_FIRST -> {
          for (int i = 0; i < n; i++) {
            o[i] = i;
          }
          for (int i = 0; i < n; i++) {
            for (int d = 0; d < s[i].length; d++) {
              s[i][d] = Math.max(1, 5 - i);
            }
          }
          lab = LABELS[0];
        }
        default -> {
          if (rnd.nextDouble() > p.accuracy && n >= 2) {
            int i = rnd.nextInt(n - 1);
            int tmp = o[i];
            o[i] = o[i + 1];
            o[i + 1] = tmp;
          }
          for (int[] row : s) {
            for (int d = 0; d < row.length; d++) {
              if (rnd.nextDouble() > p.accuracy) {
                row[d] = Math.max(1, Math.min(5, row[d] + (rnd.nextBoolean() ? 1 : -1)));
              }
            }
          }
          if (rnd.nextDouble() > p.accuracy) {
            lab = LABELS[rnd.nextInt(LABELS.length)];
          }
        }
      }
      return answer(o, s, lab, 1 + rnd.nextInt(3));
    }

    private static void shuffle(int[] a, SplittableRandom rnd) {
      for (int i = a.length - 1; i > 0; i--) {
        int j = rnd.nextInt(i + 1);
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
      }
    }

    private static void reverse(int[] a) {
      for (int i = 0; i < a.length / 2; i++) {
        int t = a[i];
        a[i] = a[a.length - 1 - i];
        a[a.length - 1 - i] = t;
      }
    }
  }
}
