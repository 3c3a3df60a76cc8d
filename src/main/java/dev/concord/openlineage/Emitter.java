package dev.concord.openlineage;

import dev.concord.config.ConcordConfig.OpenLineageSettings;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClient;
import io.openlineage.client.transports.FileConfig;
import io.openlineage.client.transports.FileTransport;
import io.openlineage.client.transports.HttpConfig;
import io.openlineage.client.transports.HttpTransport;
import io.openlineage.client.transports.Transport;
import java.net.URI;
import java.nio.file.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Sends run events through the OpenLineage client: to the HTTP endpoint of the configuration, else appended to a
 * JSON Lines file in the job state. Lineage is a report about the run, not part of it: an event that cannot be sent
 * is logged as a warning and the run goes on.
 */
public final class Emitter implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(Emitter.class);
  public static final String FILE = "openlineage.jsonl";

  private final OpenLineageClient client;
  private final String destination;

  public Emitter(OpenLineageSettings settings, Path stateDir) {
    Transport transport;
    if (settings.url() != null) {
      HttpConfig http = new HttpConfig();
      http.setUrl(URI.create(settings.url()));
      http.setEndpoint(settings.endpoint());
      http.setTimeoutInMillis(settings.timeoutMs());
      transport = new HttpTransport(http);
      destination = settings.url() + settings.endpoint();
    } else {
      Path file = stateDir.resolve(FILE);
      transport = new FileTransport(new FileConfig(file.toString()));
      destination = file.toString();
    }
    client = new OpenLineageClient(transport);
  }

  /** Sends {@code event}; true if it was accepted. */
  public boolean emit(OpenLineage.RunEvent event) {
    try {
      client.emit(event);
      LOG.info("OpenLineage {} event sent to {}", event.getEventType(), destination);
      return true;
    } catch (RuntimeException e) {
      LOG.warn("OpenLineage {} event could not be sent to {}: {}", event.getEventType(), destination, e.toString());
      return false;
    }
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (Exception e) {
      LOG.warn("closing the OpenLineage client for {}: {}", destination, e.toString());
    }
  }
}
