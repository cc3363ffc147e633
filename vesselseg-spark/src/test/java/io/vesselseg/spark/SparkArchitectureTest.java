package io.vesselseg.spark;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The Spark job is a front door: it segments through the public API, never libtorch or the engine's packages. */
class SparkArchitectureTest {

  @Test
  void theJobUsesThePublicApiOnly() {
    JavaClasses spark = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS).importPackages("io.vesselseg.spark");
    noClasses().should().dependOnClassesThat().resideInAnyPackage("org.bytedeco..", "io.vesselseg.model..",
        "io.vesselseg.infer..", "io.vesselseg.train..", "io.vesselseg.data..", "io.vesselseg.cli..",
        "io.vesselseg.serve..").check(spark);
  }
}
