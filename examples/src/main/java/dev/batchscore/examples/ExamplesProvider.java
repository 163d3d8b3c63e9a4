package dev.batchscore.examples;

import dev.batchscore.examples.demo.Demo;
import dev.batchscore.pipeline.cli.Examples;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The reference models and the demo for the CLI's {@code build-models}, {@code bench-model} and
 * {@code demo}.
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
    public void runDemo(long records, Path warehouse, Long parallelism, PrintStream out)
            throws Exception {
        Demo.run(records, warehouse, parallelism, out);
    }
}
