package dev.batchscore.pipeline;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How the packages of the pipeline module point: {@code config} at the bottom; {@code kafka},
 * {@code iceberg} and {@code runs} above it (runs may use kafka, never the other way); the root
 * package (plan, job wiring, local runner) on top of those; the command line above everything.
 */
class PipelineLayersTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("dev.batchscore.pipeline");
    }

    @Test
    void noCyclesBetweenSubpackages() {
        slices().matching("dev.batchscore.pipeline.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void layersPointOneWay() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("cli")
                .definedBy("dev.batchscore.pipeline.cli..", "dev.batchscore.pipeline.demo..")
                .layer("job")
                .definedBy("dev.batchscore.pipeline")
                .layer("runs")
                .definedBy("dev.batchscore.pipeline.runs..")
                .layer("kafka")
                .definedBy("dev.batchscore.pipeline.kafka..")
                .layer("iceberg")
                .definedBy("dev.batchscore.pipeline.iceberg..")
                .layer("config")
                .definedBy("dev.batchscore.pipeline.config..")
                .whereLayer("cli")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("job")
                .mayOnlyBeAccessedByLayers("cli")
                .whereLayer("runs")
                .mayOnlyBeAccessedByLayers("job", "cli")
                .whereLayer("kafka")
                .mayOnlyBeAccessedByLayers("runs", "job", "cli")
                .whereLayer("iceberg")
                .mayOnlyBeAccessedByLayers("job", "cli")
                .whereLayer("config")
                .mayOnlyBeAccessedByLayers("kafka", "iceberg", "runs", "job", "cli")
                .check(classes);
    }
}
