package io.vesselseg;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The design's dependency rules, checked on the compiled library: packages depend downwards only
 * (track → train → infer → viz → measure → eval → model, data; measure never reaches model), only {@code model} touches libtorch, nothing in the
 * library reaches up to the public API that sits on top of it, and the CLI's picocli is not on its class path.
 */
class ArchitectureTest {

  private static final JavaClasses CORE = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.vesselseg");

  @Test
  void packagesDependDownwardsOnly() {
    layeredArchitecture().consideringOnlyDependenciesInLayers()
        .layer("track").definedBy("io.vesselseg.track..")
        .layer("train").definedBy("io.vesselseg.train..")
        .layer("infer").definedBy("io.vesselseg.infer..")
        .layer("viz").definedBy("io.vesselseg.viz..")
        .layer("measure").definedBy("io.vesselseg.measure..")
        .layer("eval").definedBy("io.vesselseg.eval..")
        .layer("model").definedBy("io.vesselseg.model..")
        .layer("data").definedBy("io.vesselseg.data..")
        .whereLayer("track").mayNotBeAccessedByAnyLayer()
        .whereLayer("train").mayOnlyBeAccessedByLayers("track")
        .whereLayer("infer").mayOnlyBeAccessedByLayers("train", "track")
        .whereLayer("viz").mayOnlyBeAccessedByLayers("infer", "train", "track")
        .whereLayer("measure").mayOnlyBeAccessedByLayers("viz", "infer", "train", "track")
        .whereLayer("eval").mayOnlyBeAccessedByLayers("measure", "viz", "infer", "train", "track")
        .whereLayer("model").mayOnlyBeAccessedByLayers("infer", "train", "track")
        .whereLayer("data").mayOnlyBeAccessedByLayers("measure", "eval", "viz", "infer", "train", "track")
        .check(CORE);
  }

  @Test
  void theLibraryDoesNotReachUpToThePublicApi() {
    noClasses().that().resideInAPackage("io.vesselseg.*..")
        .should().dependOnClassesThat().belongToAnyOf(VesselSegmenter.class, Segmentation.class,
            SegmentationFiles.class)
        .check(CORE);
  }

  @Test
  void onlyTheModelPackageTouchesLibtorch() {
    noClasses().that().resideOutsideOfPackage("io.vesselseg.model..")
        .should().dependOnClassesThat().resideInAPackage("org.bytedeco..")
        .check(CORE);
  }

  @Test
  void picocliIsNotOnTheLibrarysClassPath() {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("picocli.CommandLine"));
  }
}
