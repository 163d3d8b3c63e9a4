package dev.batchscore.pipeline.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;

/**
 * What the {@code demo}, {@code build-models}, {@code bench-model}, {@code bench} and {@code tune}
 * commands need from the examples module: the reference models and the demo. The examples module
 * depends on pipeline (the demo runs the job), not the other way, and the job jar carries neither,
 * so the commands find the implementation with {@link ServiceLoader} at run time; {@code
 * ./batchscore} puts the examples module on the classpath.
 */
public interface Examples {
    /** The seed the reference models are built with unless told otherwise. */
    long DEFAULT_SEED = 42L;

    /** The reference models {@link #buildModels} takes: one model's name, or {@code all}. */
    List<String> MODELS = List.of("tabular", "text", "all");

    /**
     * Builds {@code which} (one of {@link #MODELS}) under {@code dir} with {@code seed} and returns
     * each model's version directory.
     */
    List<Path> buildModels(String which, Path dir, long seed);

    /** Builds the reference tabular model under {@code dir}; returns its version directory. */
    Path buildTabular(Path dir, long seed);

    /** The reference tabular model's layer widths, e.g. {@code 64 -> 512 -> 512 -> 1}. */
    String tabularLayers();

    /** Runs the demo ({@code batchscore demo}); a null {@code parallelism} is Flink's default. */
    void runDemo(long records, Path warehouse, Long parallelism, String format, PrintStream out)
            throws Exception;

    /**
     * Runs {@code batchscore bench} (quick or full), writing bench.csv and bench.png to {@code
     * outDir}.
     */
    void bench(
            boolean quick,
            Path outDir,
            Path profileDir,
            java.util.List<String> formats,
            PrintStream out)
            throws Exception;

    /**
     * Runs {@code batchscore tune} on {@code model}: {@code threads} are INTRAxINTER settings,
     * empty for the defaults for this machine's cores; returns the exit code.
     */
    int tune(
            Path model,
            String signature,
            Set<String> tags,
            List<Integer> batchSizes,
            List<String> threads,
            int slots,
            double seconds,
            PrintStream out)
            throws Exception;

    /**
     * Writes {@code report.html} (self-contained) and its charts as PNGs for {@code rows} (oldest
     * first) to {@code dir}; returns the HTML file.
     */
    Path report(List<dev.batchscore.pipeline.runs.RunHistory.Row> rows, String title, Path dir)
            throws Exception;

    /**
     * The examples module's implementation, or an error naming what is missing for {@code command}.
     */
    static Examples load(String command) {
        return ServiceLoader.load(Examples.class)
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalStateException(
                                        command
                                                + " needs the batchscore-examples module on the"
                                                + " classpath (./batchscore puts it there; it is"
                                                + " not in the job jar)"));
    }
}
