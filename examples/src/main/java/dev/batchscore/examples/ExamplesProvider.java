package dev.batchscore.examples;

import dev.batchscore.examples.bench.Bench;
import dev.batchscore.examples.bench.Tune;
import dev.batchscore.examples.demo.Demo;
import dev.batchscore.pipeline.cli.Examples;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The reference models and the demo for the CLI's {@code build-models}, {@code bench-model} and
 * {@code demo}, and the measuring kit of {@code bench} and {@code tune}.
 */
public final class ExamplesProvider implements Examples {

    @Override
    public List<Path> buildModels(String which, Path dir, long seed) {
        return ReferenceModels.build(which, dir, seed);
    }

    @Override
    public Path buildTabular(Path dir, long seed) {
        return ReferenceModels.buildTabular(dir, seed);
    }

    @Override
    public String tabularLayers() {
        return ReferenceModels.TABULAR_LAYERS;
    }

    @Override
    public void runDemo(
            long records, Path warehouse, Long parallelism, String format, PrintStream out)
            throws Exception {
        Demo.run(records, warehouse, parallelism, format, out);
    }

    @Override
    public void bench(
            boolean quick,
            Path outDir,
            Path profileDir,
            java.util.List<String> formats,
            PrintStream out)
            throws Exception {
        Bench.Plan plan =
                quick ? Bench.Plan.quick(outDir, profileDir) : Bench.Plan.full(outDir, profileDir);
        Bench.run(formats == null ? plan : plan.withFormats(formats), out);
    }

    @Override
    public int tune(
            Path model,
            String signature,
            Set<String> tags,
            List<Integer> batchSizes,
            List<String> threads,
            int slots,
            double seconds,
            PrintStream out)
            throws Exception {
        List<Tune.Threads> settings =
                threads.isEmpty()
                        ? Tune.defaultThreads(Runtime.getRuntime().availableProcessors())
                        : threads.stream().map(Tune.Threads::parse).toList();
        return Tune.run(model, signature, tags, batchSizes, settings, slots, seconds, out);
    }

    @Override
    public Path report(
            List<dev.batchscore.pipeline.runs.RunHistory.Row> rows, String title, Path dir)
            throws Exception {
        return dev.batchscore.examples.report.RunReport.write(rows, title, dir);
    }
}
