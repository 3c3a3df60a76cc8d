package dev.concord.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The layout rules a newcomer relies on, checked on the product's compiled classes. */
class PackageRulesTest {
  private static JavaClasses product;

  @BeforeAll
  static void load() {
    product = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.concord");
  }

  @Test
  void noPackageDependsOnItselfThroughOthers() {
    slices().matching("dev.concord.(*)..").should().beFreeOfCycles().check(product);
  }

  @Test
  void theProductNeverReachesForTheTools() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.concord.generate..", "dev.concord.bench..")
        .check(product);
  }

  @Test
  void sparkSessionsAreMadeInOnePlace() {
    noClasses().that().doNotHaveFullyQualifiedName("dev.concord.job.Sparks")
        .should().callMethod(org.apache.spark.sql.SparkSession.class, "builder").check(product);
  }
}
