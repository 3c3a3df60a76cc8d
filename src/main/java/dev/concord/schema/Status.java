package dev.concord.schema;

/** Values of the status and decision columns that more than one stage names. */
public final class Status {
  private Status() {}

  /**
   * A person decides: an item with no resolution safe enough to publish, or an annotator whose work is held out of the
   * run until someone has judged it.
   */
  public static final String REVIEW = "review";
}
