package dev.concord.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.Set;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** Column names come from one place: every field of every .avsc is a constant of {@link Col}. */
class SchemasTest {
  @Test
  void everyAvroFieldIsAColumnConstant() throws IllegalAccessException {
    Set<String> names = new HashSet<>();
    for (Field f : Col.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        names.add((String) f.get(null));
      }
    }
    for (Table t : Table.values()) {
      check(t.avroSchema(), names, t.name());
      t.structType();
    }
  }

  @Test
  void aGoldAnswerHasTheShapeOfASubmissionsAnswer() {
    assertEquals(Table.SUBMISSION.fieldType(Col.ANSWER), Table.GOLD.fieldType(Col.ANSWER),
        "gold is matched against submissions answer by answer");
    assertEquals(Table.SUBMISSION.fieldType(Col.ANSWER), dev.concord.ingest.Ingest.ANSWER);
  }

  @Test
  void fieldTypesAreNullableAtEveryLevel() {
    String ratings = Table.SUBMISSION.fieldType(Col.ANSWER).json();
    assertTrue(!ratings.contains("\"nullable\":false") && !ratings.contains("\"containsNull\":false")
        && !ratings.contains("\"valueContainsNull\":false"), ratings);
    assertTrue(Table.SUBMISSION.structType().json().contains("\"nullable\":false"),
        "the .avsc itself keeps its required fields");
  }

  private static void check(Schema s, Set<String> names, String where) {
    switch (s.getType()) {
      case RECORD -> s.getFields().forEach(f -> {
        assertTrue(names.contains(f.name()), where + "." + f.name() + " has no Col constant");
        check(f.schema(), names, where + "." + f.name());
      });
      case ARRAY -> check(s.getElementType(), names, where);
      case MAP -> check(s.getValueType(), names, where);
      case UNION -> s.getTypes().forEach(u -> check(u, names, where));
      default -> { }
    }
  }
}
