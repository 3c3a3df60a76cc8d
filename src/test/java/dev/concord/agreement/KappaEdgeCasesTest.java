package dev.concord.agreement;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Cases with a defined answer and no exception. */
class KappaEdgeCasesTest {
  static double kappa(String... pairs) {
    List<String> lines = new java.util.ArrayList<>(List.of("rater1,rater2,count"));
    lines.addAll(List.of(pairs));
    Row r = Kappa.of(KappaReferenceTest.contingency(lines), List.of("g"), Weighting.NOMINAL).first();
    return r.getDouble(r.fieldIndex(Kappa.KAPPA));
  }

  @Test
  void oneCategoryOnlyIsPerfectAgreement() {
    assertEquals(1.0, kappa("a,a,7"));
  }

  @Test
  void perfectAgreementIsOne() {
    assertEquals(1.0, kappa("a,a,3", "b,b,4"));
  }

  @Test
  void completeDisagreementOnTwoBalancedCategoriesIsMinusOne() {
    assertEquals(-1.0, kappa("a,b,5", "b,a,5"), 1e-12);
  }

  @Test
  void aSingleDisagreementIsZero() {
    assertEquals(0.0, kappa("a,b,1"), 1e-12);
  }
}
