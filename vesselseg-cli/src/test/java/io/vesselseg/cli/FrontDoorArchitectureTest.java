package io.vesselseg.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The command line is a front door: picocli and benchmarks over the library, never libtorch itself. */
class FrontDoorArchitectureTest {

  private static final JavaClasses CLI = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
      .importPackages("io.vesselseg.cli", "io.vesselseg.bench");

  @Test
  void theCommandLineLeavesLibtorchToTheLibrarysModelPackage() {
    noClasses().should().dependOnClassesThat().resideInAPackage("org.bytedeco..").check(CLI);
  }

  @Test
  void theLibraryNeverCallsBackIntoTheCommandLine() {
    JavaClasses core = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.vesselseg");
    noClasses().that().resideOutsideOfPackages("io.vesselseg.cli..", "io.vesselseg.bench..")
        .should().dependOnClassesThat().resideInAnyPackage("io.vesselseg.cli..", "io.vesselseg.bench..",
            "picocli..")
        .check(core);
  }
}
