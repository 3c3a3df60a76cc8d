package dev.concord.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A headless Chromium driven over the Chrome DevTools Protocol from Java's own WebSocket client: the page's console,
 * exceptions and network requests recorded as events, commands answered in order. Enough of the protocol to open a
 * page from disk, evaluate a script and take a screenshot; nothing is downloaded.
 */
final class Browser implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Process process;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<JsonNode> events = java.util.Collections.synchronizedList(new ArrayList<>());

  private Browser(Process process, WebSocket socket) {
    this.process = process;
    this.socket = socket;
  }

  /** Starts {@code chromium} headless with a fresh profile in {@code profile} and attaches to its first page. */
  static Browser start(String chromium, Path profile) throws IOException, InterruptedException {
    Files.createDirectories(profile);
    Process p = new ProcessBuilder(chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
        "--disable-extensions", "--hide-scrollbars", "--remote-debugging-port=0", "--user-data-dir=" + profile,
        "--window-size=1280,900", "about:blank")
        .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
    Path portFile = profile.resolve("DevToolsActivePort");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!Files.exists(portFile) || Files.readAllLines(portFile).size() < 2) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        throw new IllegalStateException("chromium did not open its DevTools port: "
            + Files.readString(profile.resolve("chromium.log")));
      }
      Thread.sleep(100);
    }
    int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
    HttpClient http = HttpClient.newHttpClient();
    String page = null;
    while (page == null && System.nanoTime() < deadline) {
      JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body());
      for (JsonNode t : targets) {
        if ("page".equals(t.path("type").asText())) {
          page = t.path("webSocketDebuggerUrl").asText();
        }
      }
      if (page == null) {
        Thread.sleep(100);
      }
    }
    if (page == null) {
      p.destroyForcibly();
      throw new IllegalStateException("chromium shows no page target");
    }
    Browser[] self = new Browser[1];
    WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(page), new WebSocket.Listener() {
      private final StringBuilder partial = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
          String message = partial.toString();
          partial.setLength(0);
          try {
            self[0].receive(JSON.readTree(message));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
        ws.request(1);
        return null;
      }
    }).join();
    self[0] = new Browser(p, socket);
    return self[0];
  }

  private void receive(JsonNode message) {
    if (message.has("id")) {
      CompletableFuture<JsonNode> f = pending.remove(message.get("id").asInt());
      if (f != null) {
        f.complete(message);
      }
    } else {
      events.add(message);
    }
  }

  /** Sends a command and waits for its result; a protocol error fails. */
  JsonNode call(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
    message.set("params", JSON.valueToTree(params));
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    socket.sendText(JSON.writeValueAsString(message), true).join();
    JsonNode reply = answer.get(120, TimeUnit.SECONDS);
    if (reply.has("error")) {
      throw new IllegalStateException(method + " failed: " + reply.get("error"));
    }
    return reply.path("result");
  }

  /** The events received so far with this method name. */
  List<JsonNode> events(String method) {
    synchronized (events) {
      return events.stream().filter(e -> method.equals(e.path("method").asText())).toList();
    }
  }

  /** Waits until an event with this method name has arrived. */
  void await(String method, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (events(method).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no " + method + " within " + timeout);
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() {
    socket.abort();
    // Chromium's renderer and zygote processes outlive a killed browser process unless they are killed too.
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }
}
