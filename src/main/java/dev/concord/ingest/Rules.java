package dev.concord.ingest;

import dev.concord.config.TaskType;
import dev.concord.dedup.Normalize;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The contract's rules for one parsed submission, as values: each a reason code, a failing condition and a detail
 * naming the offending values. They are checked in order and the first that fails names the problem, so a rule may
 * rely on the ones before it (the answer rules on a known task type, say).
 */
final class Rules {
  private Rules() {}

  /** One rule; {@code detail} is only asked of a submission that {@code fails}. */
  record Rule(String reason, Predicate<Submission> fails, Function<Submission, String> detail) {}

  static final Set<String> ROLES = Set.of("system", "user", "assistant");

  /** The first failing rule's reason and detail, or null when the submission passes every rule. */
  static String[] firstFailing(List<Rule> rules, Submission s) {
    for (Rule r : rules) {
      if (r.fails().test(s)) {
        return new String[] {r.reason(), r.detail().apply(s)};
      }
    }
    return null;
  }

  static List<Rule> of(IngestSettings settings) {
    List<Rule> rules = new ArrayList<>();
    rules.add(new Rule("missing_field", s -> !missing(s).isEmpty(),
        s -> "required field(s) missing, null or blank: " + String.join(", ", missing(s))));
    rules.add(new Rule("unknown_task_type", s -> !TaskType.ids().contains(s.taskType),
        s -> "task_type '" + s.taskType + "' is not one of " + String.join(", ", TaskType.ids())));
    rules.add(new Rule("field_too_large", s -> longId(s, settings.maxIdChars()) != null,
        s -> longId(s, settings.maxIdChars()) + ", above limits.max_id_chars = " + settings.maxIdChars()));
    rules.add(new Rule("field_too_large", s -> longText(s, settings.maxFieldChars()) != null,
        s -> longText(s, settings.maxFieldChars()) + ", above limits.max_field_chars = " + settings.maxFieldChars()));
    rules.add(new Rule("bad_timestamp", s -> s.submittedAt == null,
        s -> "submitted_at '" + s.submittedAtText + "' is not an RFC 3339 timestamp of a real date and time with a"
            + " time zone (e.g. 2026-11-21T03:12:44Z)"));
    rules.add(new Rule("bad_prompt", s -> badMessage(s) != null, Rules::badMessage));
    rules.add(new Rule("bad_value", s -> s.timeSpentS != null && !(s.timeSpentS >= 0),
        s -> "time_spent_s must be a number of seconds, zero or more, got " + s.timeSpentS));
    rules.add(new Rule("field_too_large", s -> count(s) > settings.maxResponses(),
        s -> "the item shows " + count(s) + " responses, above limits.max_responses = " + settings.maxResponses()));
    rules.add(new Rule("bad_responses", s -> !countFits(s),
        s -> "a " + s.taskType + " item needs " + expectedCount(s.taskType) + " responses, got " + count(s)));
    rules.add(new Rule("bad_responses", s -> badResponse(s) >= 0,
        s -> "responses[" + badResponse(s) + "] needs a non-blank response_id and a text"));
    rules.add(new Rule("bad_responses", s -> new HashSet<>(s.responseIds()).size() < count(s),
        s -> "response ids repeat: " + s.responseIds()));
    rules.add(new Rule("bad_responses", s -> sameText(s, settings.ignoreCase()) != null,
        s -> "responses " + sameText(s, settings.ignoreCase()) + " have the same text"
            + (settings.ignoreCase() ? " (ignoring case, " : " (") + "after Unicode and whitespace normalisation);"
            + " an item must show different responses"));
    rules.addAll(answerRules(settings));
    return rules;
  }

  private static List<String> missing(Submission s) {
    List<String> out = new ArrayList<>();
    addIfBlank(out, "submission_id", s.submissionId);
    addIfBlank(out, "item_id", s.itemId);
    addIfBlank(out, "project", s.project);
    addIfBlank(out, "task_type", s.taskType);
    addIfBlank(out, "annotator_id", s.annotatorId);
    addIfBlank(out, "submitted_at", s.submittedAtText);
    if (s.prompt == null) {
      out.add("prompt");
    }
    if (s.answer == null) {
      out.add("answer");
    }
    return out;
  }

  private static void addIfBlank(List<String> out, String field, String value) {
    if (value == null || JsonReading.isBlank(value)) {
      out.add(field);
    }
  }

  /** "field 'x' has N characters" for the first id over the limit, else null. */
  private static String longId(Submission s, int max) {
    Map<String, String> ids = new java.util.LinkedHashMap<>();
    ids.put("submission_id", s.submissionId);
    ids.put("item_id", s.itemId);
    ids.put("project", s.project);
    ids.put("task_type", s.taskType);
    ids.put("annotator_id", s.annotatorId);
    ids.put("submitted_at", s.submittedAtText);
    ids.put("guideline_version", s.guidelineVersion);
    for (Map.Entry<String, String> e : ids.entrySet()) {
      if (e.getValue() != null && e.getValue().length() > max) {
        return "field '" + e.getKey() + "' has " + e.getValue().length() + " characters";
      }
    }
    if (s.responses != null) {
      for (int i = 0; i < s.responses.size(); i++) {
        Submission.Response r = s.responses.get(i);
        if (r.responseId() != null && r.responseId().length() > max) {
          return "field 'responses[" + i + "].response_id' has " + r.responseId().length() + " characters";
        }
        if (r.model() != null && r.model().length() > max) {
          return "field 'responses[" + i + "].model' has " + r.model().length() + " characters";
        }
      }
    }
    Submission.Answer a = s.answer;
    if (a != null) {
      if (a.preferred != null && a.preferred.length() > max) {
        return "field 'answer.preferred' has " + a.preferred.length() + " characters";
      }
      if (a.label != null && a.label.length() > max) {
        return "field 'answer.label' has " + a.label.length() + " characters";
      }
      if (a.ranking != null && a.ranking.stream().anyMatch(r -> r.length() > max)) {
        return "an id in 'answer.ranking' has more than " + max + " characters";
      }
      if (a.ratings != null && a.ratings.entrySet().stream().anyMatch(e -> e.getKey().length() > max
          || e.getValue().keySet().stream().anyMatch(d -> d.length() > max))) {
        return "a response id or dimension in 'answer.ratings' has more than " + max + " characters";
      }
    }
    if (s.metadata != null && s.metadata.keySet().stream().anyMatch(k -> k.length() > max)) {
      return "a key of 'metadata' has more than " + max + " characters";
    }
    return null;
  }

  /** "field 'x' has N characters" for the first text over the limit, else null. */
  private static String longText(Submission s, int max) {
    if (s.prompt != null) {
      long chars = s.prompt.stream().mapToLong(m -> m.content() == null ? 0 : m.content().length()).sum();
      if (chars > max) {
        return "field 'prompt' has " + chars + " characters";
      }
    }
    if (s.responses != null) {
      for (int i = 0; i < s.responses.size(); i++) {
        String text = s.responses.get(i).text();
        if (text != null && text.length() > max) {
          return "field 'responses[" + i + "].text' has " + text.length() + " characters";
        }
      }
    }
    if (s.answer != null && s.answer.completion != null && s.answer.completion.length() > max) {
      return "field 'answer.completion' has " + s.answer.completion.length() + " characters";
    }
    if (s.justification != null && s.justification.length() > max) {
      return "field 'justification' has " + s.justification.length() + " characters";
    }
    if (s.metadata != null && s.metadata.values().stream().anyMatch(v -> v.length() > max)) {
      return "a value of 'metadata' has more than " + max + " characters";
    }
    return null;
  }

  private static String badMessage(Submission s) {
    List<Submission.Message> prompt = s.prompt;
    if (prompt.isEmpty()) {
      return "the prompt is an empty list; it must hold at least one user turn";
    }
    for (int i = 0; i < prompt.size(); i++) {
      Submission.Message m = prompt.get(i);
      if (m.role() == null || !ROLES.contains(m.role())) {
        return "prompt[" + i + "].role must be system, user or assistant, got "
            + (m.role() == null ? "none" : "'" + m.role() + "'");
      }
      if (m.content() == null || JsonReading.isBlank(m.content())) {
        return prompt.size() == 1 ? "the prompt is empty or only whitespace"
            : "prompt[" + i + "].content is missing, empty or only whitespace";
      }
    }
    if (!prompt.get(prompt.size() - 1).role().equals("user")) {
      return "the prompt's last message is a " + prompt.get(prompt.size() - 1).role() + " turn; a prompt must end in"
          + " a user turn";
    }
    return null;
  }

  private static int count(Submission s) {
    return s.responses == null ? 0 : s.responses.size();
  }

  private static boolean countFits(Submission s) {
    int n = count(s);
    return switch (TaskType.parse(s.taskType)) {
      case PAIRWISE -> n == 2;
      case RANKING -> n >= 2;
      case RATING -> n >= 1;
      case LABEL, SFT -> n <= 1;
    };
  }

  private static String expectedCount(String type) {
    return switch (TaskType.parse(type)) {
      case PAIRWISE -> "exactly 2";
      case RANKING -> "2 or more";
      case RATING -> "1 or more";
      case LABEL, SFT -> "0 or 1";
    };
  }

  private static int badResponse(Submission s) {
    for (int i = 0; i < count(s); i++) {
      Submission.Response r = s.responses.get(i);
      if (r.responseId() == null || JsonReading.isBlank(r.responseId()) || r.text() == null) {
        return i;
      }
    }
    return -1;
  }

  /** "'a' and 'b'" for the first two responses whose normalised texts are equal, else null. */
  private static String sameText(Submission s, boolean ignoreCase) {
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < count(s); i++) {
      Submission.Response r = s.responses.get(i);
      String key = Normalize.text(r.text());
      if (ignoreCase) {
        key = key.toLowerCase(Locale.ROOT);
      }
      String earlier = seen.putIfAbsent(key, r.responseId());
      if (earlier != null) {
        return "'" + earlier + "' and '" + r.responseId() + "'";
      }
    }
    return null;
  }

  private static List<Rule> answerRules(IngestSettings settings) {
    List<Rule> rules = new ArrayList<>();
    Predicate<Submission> pairwise = s -> s.taskType.equals(TaskType.PAIRWISE.id());
    rules.add(new Rule("bad_answer", pairwise.and(s -> s.answer.preferred == null),
        s -> "a pairwise answer needs 'preferred' (a response id or \"tie\")"));
    rules.add(new Rule("bad_answer", pairwise.and(s -> !s.answer.preferred.equals("tie")
            && !s.responseIds().contains(s.answer.preferred)),
        s -> "preferred '" + s.answer.preferred + "' is not one of the responses " + s.responseIds()
            + " nor \"tie\""));
    rules.add(new Rule("bad_answer", pairwise.and(s -> s.answer.strength != null
            && (s.answer.strength < 1 || s.answer.strength > 3)),
        s -> "strength must be 1, 2 or 3, got " + s.answer.strength));

    Predicate<Submission> ranking = s -> s.taskType.equals(TaskType.RANKING.id());
    rules.add(new Rule("bad_answer", ranking.and(s -> s.answer.ranking == null),
        s -> "a ranking answer needs 'ranking', the response ids best first"));
    rules.add(new Rule("bad_answer", ranking.and(s -> new HashSet<>(s.answer.ranking).size() < s.answer.ranking.size()),
        s -> "ranking repeats a response: " + s.answer.ranking));
    rules.add(new Rule("bad_answer", ranking.and(s -> !minus(s.answer.ranking, s.responseIds()).isEmpty()),
        s -> "ranking names responses that were not shown: " + minus(s.answer.ranking, s.responseIds())
            + "; shown: " + s.responseIds()));
    rules.add(new Rule("bad_answer", ranking.and(s -> !minus(s.responseIds(), s.answer.ranking).isEmpty()),
        s -> "ranking omits responses " + minus(s.responseIds(), s.answer.ranking)));

    Predicate<Submission> rating = s -> s.taskType.equals(TaskType.RATING.id());
    rules.add(new Rule("bad_answer", rating.and(s -> s.answer.ratings == null || s.answer.ratings.isEmpty()),
        s -> "a rating answer needs 'ratings': {response_id: {dimension: integer}}"));
    rules.add(new Rule("bad_answer", rating.and(s -> !minus(s.answer.ratings.keySet(), s.responseIds()).isEmpty()),
        s -> "ratings name responses that were not shown: " + minus(s.answer.ratings.keySet(), s.responseIds())
            + "; shown: " + s.responseIds()));
    rules.add(new Rule("bad_answer", rating.and(s -> !minus(s.responseIds(), s.answer.ratings.keySet()).isEmpty()),
        s -> "ratings omit responses " + minus(s.responseIds(), s.answer.ratings.keySet())));
    rules.add(new Rule("bad_answer", rating.and(s -> s.answer.ratings.values().stream().anyMatch(Map::isEmpty)),
        s -> "every rated response needs at least one dimension"));
    rules.add(new Rule("bad_answer", rating.and(s -> outsideScale(s, settings) != null),
        s -> outsideScale(s, settings)));
    rules.add(new Rule("bad_answer", rating.and(s -> unknownDimension(s, settings) != null),
        s -> "dimension '" + unknownDimension(s, settings) + "' is not one of the project's "
            + settings.project(s.project).dimensions()));

    Predicate<Submission> label = s -> s.taskType.equals(TaskType.LABEL.id());
    rules.add(new Rule("bad_answer", label.and(s -> s.answer.label == null || JsonReading.isBlank(s.answer.label)),
        s -> "a label answer needs a non-blank 'label'"));
    rules.add(new Rule("bad_answer", label.and(s -> settings.project(s.project).labels() != null
            && !settings.project(s.project).labels().contains(s.answer.label)),
        s -> "label '" + s.answer.label + "' is not one of the project's labels "
            + settings.project(s.project).labels()));

    rules.add(new Rule("bad_answer", s -> s.taskType.equals(TaskType.SFT.id())
            && (s.answer.completion == null || JsonReading.isBlank(s.answer.completion)),
        s -> "an sft answer needs a non-blank 'completion'"));
    return rules;
  }

  /** "rating 9 of r1.helpfulness is outside the project's scale 1..5", for the first score outside, else null. */
  static String outsideScale(String project, Map<String, Map<String, Integer>> ratings, IngestSettings settings) {
    int[] scale = settings.project(project).scale();
    if (scale == null || ratings == null) {
      return null;
    }
    for (Map.Entry<String, Map<String, Integer>> r : ratings.entrySet()) {
      for (Map.Entry<String, Integer> d : r.getValue().entrySet()) {
        if (d.getValue() < scale[0] || d.getValue() > scale[1]) {
          return "rating " + d.getValue() + " of " + r.getKey() + "." + d.getKey() + " is outside the project's scale "
              + scale[0] + ".." + scale[1];
        }
      }
    }
    return null;
  }

  private static String outsideScale(Submission s, IngestSettings settings) {
    return outsideScale(s.project, s.answer.ratings, settings);
  }

  /** The first dimension the project does not have, else null. */
  static String unknownDimension(String project, Map<String, Map<String, Integer>> ratings, IngestSettings settings) {
    Set<String> dims = settings.project(project).dimensions();
    if (dims == null || ratings == null) {
      return null;
    }
    for (Map<String, Integer> scores : ratings.values()) {
      for (String d : scores.keySet()) {
        if (!dims.contains(d)) {
          return d;
        }
      }
    }
    return null;
  }

  private static String unknownDimension(Submission s, IngestSettings settings) {
    return unknownDimension(s.project, s.answer.ratings, settings);
  }

  private static List<String> minus(java.util.Collection<String> a, java.util.Collection<String> b) {
    Set<String> out = new LinkedHashSet<>(a);
    out.removeAll(b);
    return List.copyOf(out);
  }
}
