package dev.concord.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class PseudonymsTest {
  @Test
  void pseudonymIsTheHmacSha256OfRfc4231() {
    // RFC 4231, test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?") = 5bdcc146bf60754e6a04...
    assertEquals("ann-5bdcc146bf60754e6a04",
        Pseudonyms.of("what do ya want for nothing?", "Jefe".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void differentKeysGiveDifferentPseudonyms() {
    assertNotEquals(Pseudonyms.of("w17@vendor.example", new byte[] {1}),
        Pseudonyms.of("w17@vendor.example", new byte[] {2}));
  }

  @Test
  void textsKeepNoRawIdentifier() {
    byte[] key = {7};
    Pseudonyms.Hasher hasher = new Pseudonyms.Hasher(key);
    Function<String, String> worker = w -> w.equals("worker-7731") || w.equals("A B") ? hasher.of(w) : null;
    String p = Pseudonyms.of("worker-7731", key);
    assertEquals(p, Pseudonyms.scrubText("worker-7731", hasher, worker));
    assertEquals("double-checked by " + p + ".", Pseudonyms.scrubText("double-checked by worker-7731.", hasher,
        worker));
    assertEquals("(" + p + "), " + p + ";", Pseudonyms.scrubText("(worker-7731), worker-7731;", hasher, worker));
    assertEquals("worker-77310 and xworker-7731", Pseudonyms.scrubText("worker-77310 and xworker-7731", hasher,
        worker), "a word that only contains an id is another word");
    assertEquals(Pseudonyms.of("A B", key), Pseudonyms.scrubText("A B", hasher, worker), "a whole value with spaces");
    assertEquals("asked " + Pseudonyms.of("lead.one@corp.example.org", key) + " twice",
        Pseudonyms.scrubText("asked lead.one@corp.example.org twice", hasher, worker));
    assertEquals("en-GB", Pseudonyms.scrubText("en-GB", hasher, worker));
  }

  @Test
  void mapKeysAreScrubbedLikeValues() {
    byte[] key = {7};
    Pseudonyms.Hasher hasher = new Pseudonyms.Hasher(key);
    Map<String, String> m = Pseudonyms.scrubMap(Map.of("qa@x.example", "ok", "reviewer", "worker9"), hasher,
        w -> w.equals("worker9") ? hasher.of(w) : null);
    assertEquals(Map.of(Pseudonyms.of("qa@x.example", key), "ok", "reviewer", Pseudonyms.of("worker9", key)), m);
  }
}
