package dev.batchscore.examples.bench;

import dev.batchscore.examples.ReferenceModels;
import dev.batchscore.examples.demo.Demo;
import dev.batchscore.models.testing.HalfPlusTwo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * The steady state of the tabular pipeline under async-profiler: the same bounded run several times
 * in one JVM, profiling the last one's steady state only (between 20% and 90% of its records), so
 * that the JIT's compiling and the cluster's start (a third and an eighth of a short single run's
 * CPU) are out of the flame graph. Prints each run's rows/s and CPU per 1000 rows, and the share of
 * it the embedded broker took. INTRA and INTER set {@code model.intra-op-threads} and {@code
 * model.inter-op-threads} (0, the default: TensorFlow chooses); TensorFlow sizes its intra-op pool
 * once per JVM, so compare thread settings in JVMs of their own.
 *
 * <pre>
 * java -cp ... [-Dbench.model=half_plus_two] dev.batchscore.examples.bench.SteadyProfile RECORDS BATCH PARALLELISM RUNS DIR [OPTIONS [INTRA INTER]]
 * </pre>
 */
public final class SteadyProfile {
    private SteadyProfile() {}

    public static void main(String[] args) throws Exception {
        long records = Long.parseLong(args[0]);
        int batch = Integer.parseInt(args[1]);
        int parallelism = Integer.parseInt(args[2]);
        int runs = Integer.parseInt(args[3]);
        Path dir = Path.of(args[4]);
        String options = args.length > 5 ? args[5] : "event=cpu,interval=2ms,threads";
        int intraOp = args.length > 6 ? Integer.parseInt(args[6]) : 0;
        int interOp = args.length > 7 ? Integer.parseInt(args[7]) : 0;
        Path scratch = Files.createTempDirectory("batchscore-profile-");
        Profiler profiler = new Profiler(dir);
        java.util.Set<Long> threads = BrokerCpu.threadsBefore();
        try (KafkaClusterTestKit kafka = Demo.startKafka(scratch.resolve("kafka"))) {
            BrokerCpu.brokerStarted(threads);
            // -Dbench.model=half_plus_two profiles the trivial model instead
            boolean trivial = Bench.TRIVIAL.equals(System.getProperty("bench.model"));
            Path model =
                    trivial
                            ? HalfPlusTwo.build(scratch.resolve("models/half_plus_two/1"))
                            : ReferenceModels.buildTabular(
                                    scratch.resolve("models"), ReferenceModels.DEFAULT_SEED);
            String topic = (trivial ? "half-plus-two-" : "tabular-") + records;
            Datasets.produce(
                    kafka.bootstrapServers(),
                    topic,
                    records,
                    trivial
                            ? Datasets.halfPlusTwo()
                            : Datasets.tabular(ReferenceModels.DEFAULT_SEED));
            for (int run = 1; run <= runs; run++) {
                PipelineRun.Setup setup =
                        new PipelineRun.Setup(
                                kafka.bootstrapServers(),
                                topic,
                                records,
                                model,
                                List.of("id:long"),
                                scratch.resolve("warehouse"),
                                "bench.p" + run,
                                intraOp,
                                interOp,
                                dev.batchscore.operators.format.RecordFormats.json());
                String name =
                        String.format(
                                Locale.ROOT,
                                "steady-%s-b%d-p%d-%d",
                                options.replaceAll("[^a-z0-9]+", "_"),
                                batch,
                                parallelism,
                                records);
                PipelineRun.SteadyState window =
                        new PipelineRun.SteadyState() {
                            @Override
                            public void entered() throws Exception {
                                profiler.start(options);
                            }

                            @Override
                            public void left() throws Exception {
                                profiler.stop(name);
                            }
                        };
                PipelineRun.Timing t =
                        PipelineRun.run(
                                setup, batch, parallelism, false, run == runs ? window : null);
                System.out.printf(
                        Locale.ROOT,
                        "run %d: %,d rows, steady %,.0f rows/s, whole run %,.0f rows/s, first row"
                                + " %.2f s, %.1f cpu ms/1k rows (broker %.1f), steady state %.1f"
                                + " cpu ms/1k rows (broker %.1f)%n",
                        run,
                        t.rows(),
                        t.steadyRowsPerSecond(),
                        t.wholeRunRowsPerSecond(),
                        t.firstRowSeconds(),
                        t.cpuMsPer1kRows(),
                        t.brokerCpuMsPer1kRows(),
                        t.steadyCpuMsPer1kRows(),
                        t.steadyBrokerCpuMsPer1kRows());
            }
        }
        System.exit(0);
    }
}
