package dev.concord.ingest;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One submission line as read, before any rule has looked at it. Fields the line lacks are null; the parser fills
 * them in line order, so a line rejected half-way still has what came before the problem (its ids, for the
 * quarantine row).
 */
final class Submission {
  String submissionId;
  String itemId;
  String project;
  String taskType;
  String annotatorId;
  String submittedAtText;
  /** Null until the timestamp has been checked (a rule). */
  Instant submittedAt;
  List<Message> prompt;
  List<Response> responses;
  Answer answer;
  String justification;
  String guidelineVersion;
  Double timeSpentS;
  Map<String, String> metadata;

  record Message(String role, String content) {}

  record Response(String responseId, String text, String model) {}

  /** The answer's fields of every task type; those of other types are ignored. */
  static final class Answer {
    String preferred;
    Integer strength;
    List<String> ranking;
    /** Response id to dimension to score, in the order the line gives them. */
    Map<String, Map<String, Integer>> ratings;
    String label;
    String completion;
  }

  List<String> responseIds() {
    return responses == null ? List.of() : responses.stream().map(Response::responseId).toList();
  }
}
