package dev.batchscore.it;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the house, as a test: the main classes of every module (models, operators, sql,
 * pipeline, examples; this module sees them all) point one way, {@code pipeline -> sql -> operators
 * -> models} (pipeline uses operators directly too), with {@code examples} on top and nothing main
 * depending on it; {@code models} knows nothing of Flink; and a module's {@code internal} package
 * is its own.
 */
class ArchitectureTest {
    private static final String MODELS = "dev.batchscore.models..";
    private static final String OPERATORS = "dev.batchscore.operators..";
    private static final String SQL = "dev.batchscore.sql..";
    private static final String PIPELINE = "dev.batchscore.pipeline..";
    private static final String EXAMPLES = "dev.batchscore.examples..";

    private static final String[] MODULES = {"models", "operators", "sql", "pipeline", "examples"};

    private static JavaClasses main;

    /** Leaves out test classes, wherever they come from: test-classes directories and test jars. */
    private static final ImportOption MAIN_ONLY =
            (Location location) ->
                    !location.contains("/test-classes/") && !location.contains("-tests.jar");

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(MAIN_ONLY).importPackages("dev.batchscore");
    }

    /** No class in {@code from} depends on a class in any of {@code to}. */
    private static void noDependency(String[] from, String... to) {
        noClasses()
                .that()
                .resideInAnyPackage(from)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(to)
                .check(main);
    }

    private static String[] classesOf(String... packages) {
        return packages;
    }

    @Test
    void theMainModulesAreAllImported() {
        for (String module : MODULES) {
            assertThat(
                            main.stream()
                                    .anyMatch(
                                            c ->
                                                    c.getPackageName()
                                                            .startsWith(
                                                                    "dev.batchscore." + module)))
                    .as("classes of %s imported", module)
                    .isTrue();
        }
    }

    @Test
    void modelsDependsOnNoOtherModule() {
        noDependency(classesOf(MODELS), OPERATORS, SQL, PIPELINE, EXAMPLES);
    }

    @Test
    void operatorsDependOnModelsOnly() {
        noDependency(classesOf(OPERATORS), SQL, PIPELINE, EXAMPLES);
    }

    @Test
    void sqlDependsOnOperatorsAndModelsOnly() {
        noDependency(classesOf(SQL), PIPELINE, EXAMPLES);
    }

    @Test
    void nothingMainDependsOnTheExamples() {
        noDependency(classesOf(MODELS, OPERATORS, SQL, PIPELINE), EXAMPLES);
    }

    @Test
    void modelsKnowsNothingOfFlink() {
        noDependency(classesOf(MODELS), "org.apache.flink..");
    }

    @Test
    void aModulesInternalPackageIsItsOwn() {
        for (String module : MODULES) {
            noClasses()
                    .that()
                    .resideOutsideOfPackage("dev.batchscore." + module + "..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("dev.batchscore." + module + ".internal..")
                    .allowEmptyShould(true)
                    .check(main);
        }
    }
}
