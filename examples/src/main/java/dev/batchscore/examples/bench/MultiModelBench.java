package dev.batchscore.examples.bench;

import dev.batchscore.operators.format.RecordFormats;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.config.JobConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The tabular model twice in one run (champion and shadow: every record read, decoded and written
 * once, scored by both) against two one-model runs over the same records. Prints {@code
 * two_models_over_two_runs=R}: the two one-model runs' time over the two-model run's (target ≥ 1.5:
 * what a second run would read, decode and write again is saved).
 */
final class MultiModelBench {
    private MultiModelBench() {}

    static void compare(
            String bootstrap,
            String topic,
            long records,
            Path model,
            int batchSize,
            int parallelism,
            Path warehouse,
            PrintStream out)
            throws Exception {
        double oneModelSeconds = 0;
        for (int run = 1; run <= 2; run++) {
            PipelineRun.Setup setup =
                    new PipelineRun.Setup(
                            bootstrap,
                            topic,
                            records,
                            model,
                            List.of("id:long"),
                            warehouse,
                            "bench.one_model_" + run,
                            0,
                            0,
                            RecordFormats.json());
            PipelineRun.Timing t = PipelineRun.run(setup, batchSize, parallelism, false);
            oneModelSeconds += t.planSeconds() + t.runSeconds();
            out.printf(
                    Locale.ROOT,
                    "  tabular, one model, run %d of 2: %,12.0f rows/s whole run, %.1f s%n",
                    run,
                    t.wholeRunRowsPerSecond(),
                    t.planSeconds() + t.runSeconds());
        }
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("source.kafka.bootstrap-servers", bootstrap);
        keys.put("source.kafka.topic", topic);
        keys.put("models.champion.path", model.toString());
        keys.put("models.shadow.path", model.toString());
        keys.put("models.shadow.role", "shadow");
        keys.put("batch.size", Integer.toString(batchSize));
        keys.put("output.passthrough", "id:long");
        keys.put("sink.iceberg.catalog.type", "hadoop");
        keys.put("sink.iceberg.catalog.warehouse", warehouse.toString());
        keys.put("sink.iceberg.table", "bench.two_models");
        keys.put("execution.checkpointing.interval", "2 s");
        keys.put("parallelism", Integer.toString(parallelism));
        long planStart = System.nanoTime();
        JobPlan plan = JobPlan.create(JobConfig.of(Map.of(), "", keys));
        double planSeconds = (System.nanoTime() - planStart) / 1e9;
        PipelineRun.Timing two = PipelineRun.run(plan, records, planSeconds, null);
        double twoSeconds = two.planSeconds() + two.runSeconds();
        out.printf(
                Locale.ROOT,
                "  tabular, champion + shadow in one run: %,12.0f rows/s whole run, %.1f s%n",
                two.wholeRunRowsPerSecond(),
                twoSeconds);
        out.printf(
                Locale.ROOT,
                "two_models_over_two_runs=%.2f (two one-model runs %.1f s, one two-model run %.1f s;"
                        + " %,d tabular records, batch size %d, parallelism %d)%n",
                oneModelSeconds / twoSeconds,
                oneModelSeconds,
                twoSeconds,
                records,
                batchSize,
                parallelism);
    }
}
