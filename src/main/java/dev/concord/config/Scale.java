package dev.concord.config;

/** An inclusive integer rating scale. */
public record Scale(Integer min, Integer max) {
  void validate(String key) {
    if (min == null || max == null) {
      throw new ConfigException(key + " needs both min and max");
    }
    if (min >= max) {
      throw new ConfigException(key + ": min " + min + " must be below max " + max);
    }
  }
}
