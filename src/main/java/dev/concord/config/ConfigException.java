package dev.concord.config;

/** Bad usage or configuration: the message names the option or key. The command exits 2. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
