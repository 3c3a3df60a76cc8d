package dev.concord.ingest;

/**
 * Why a line is rejected: a stable reason code and a detail a person can act on. Thrown by the parsers, since the
 * first problem ends the reading of a line; never carries the input's values beyond what the detail names.
 */
final class Problem extends Exception {
  private final String reason;

  Problem(String reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  String reason() {
    return reason;
  }

  String detail() {
    return getMessage();
  }
}
