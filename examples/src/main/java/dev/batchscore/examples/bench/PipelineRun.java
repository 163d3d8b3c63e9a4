package dev.batchscore.examples.bench;

import dev.batchscore.operators.ScoringProbe;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.pipeline.BatchScoringJob;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.LocalRunner;
import dev.batchscore.pipeline.ScoringRun;
import dev.batchscore.pipeline.config.BatchSettings;
import dev.batchscore.pipeline.config.ExecutionSettings;
import dev.batchscore.pipeline.config.ModelSettings;
import dev.batchscore.pipeline.config.SinkSettings;
import dev.batchscore.pipeline.config.SourceSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One bounded run of the real job (Kafka source, micro-batches, score, both Iceberg sinks, the run
 * marker) on an embedded MiniCluster in this JVM, timed through {@link ScoringProbe}: the time from
 * the start of the embedded run to its first scored batch, the steady-state rate (records scored
 * between 20% and 90% of the run, over the time between), and the whole run's rate.
 */
final class PipelineRun {
    /**
     * Where a run reads, what it scores with and where it writes; {@code intraOpThreads} and {@code
     * interOpThreads} as {@code model.intra-op-threads} and {@code model.inter-op-threads} (0,
     * their default: TensorFlow chooses).
     */
    record Setup(
            String bootstrap,
            String topic,
            long records,
            Path model,
            List<String> passthrough,
            Path warehouse,
            String table,
            int intraOpThreads,
            int interOpThreads,
            RecordFormat format) {}

    /** What a run measured. */
    record Timing(
            long rows,
            double steadyRowsPerSecond,
            double wholeRunRowsPerSecond,
            double firstRowSeconds,
            double planSeconds,
            double runSeconds,
            double cpuMsPer1kRows,
            double brokerCpuMsPer1kRows,
            double steadyCpuMsPer1kRows,
            double steadyBrokerCpuMsPer1kRows) {}

    /** Called from a scoring subtask as a run enters and leaves its steady state. */
    interface SteadyState {
        void entered() throws Exception;

        void left() throws Exception;
    }

    static Timing run(Setup setup, int batchSize, int parallelism, boolean identity)
            throws Exception {
        return run(setup, batchSize, parallelism, identity, null);
    }

    private PipelineRun() {}

    static Timing run(
            Setup setup, int batchSize, int parallelism, boolean identity, SteadyState steady)
            throws Exception {
        long planStart = System.nanoTime();
        // The run as users start it; the bench may change its scoring below, so the changed plan
        // runs as a run of its own (ScoringRun.of), which releases the claim.
        JobPlan plan =
                BatchScoringJob.builder()
                        .source(
                                SourceSettings.kafka(setup.bootstrap(), List.of(setup.topic()))
                                        .withFormat(setup.format()))
                        .model(
                                ModelSettings.of(setup.model().toString())
                                        .withThreads(
                                                setup.intraOpThreads(), setup.interOpThreads()))
                        .batching(BatchSettings.of(batchSize))
                        .sink(
                                SinkSettings.hadoop(setup.warehouse().toString(), setup.table())
                                        .withPassthrough(setup.passthrough()))
                        // As the demo: the bounded job ends with one more checkpoint, which
                        // commits the tail.
                        .execution(
                                ExecutionSettings.defaults()
                                        .withCheckpointInterval(Duration.ofSeconds(2))
                                        .withParallelism(parallelism))
                        .build()
                        .start()
                        .plan();
        if (identity) {
            plan = plan.withSpec(plan.spec().toBuilder().identityScoring(true).build());
        }
        double planSeconds = (System.nanoTime() - planStart) / 1e9;
        return run(plan, setup.records(), planSeconds, steady);
    }

    /**
     * Runs a planned job over {@code records} records, as {@link #run(Setup, int, int, boolean)}.
     */
    static Timing run(JobPlan plan, long records, double planSeconds, SteadyState steady)
            throws Exception {
        BrokerCpu broker = BrokerCpu.start();
        Progress progress = new Progress(records, steady, broker);
        ScoringProbe.listen(progress::scored);
        LocalRunner.Result result;
        long cpu = BenchRow.processCpuNanos();
        try (ScoringRun run = ScoringRun.of(plan)) {
            progress.start = System.nanoTime();
            result = LocalRunner.run(run, false, records, null);
        } finally {
            ScoringProbe.listen(null);
        }
        long end = System.nanoTime();
        cpu = BenchRow.processCpuNanos() - cpu;
        long brokerCpu = broker.nanos();
        long rows = result.rows() + result.errors();
        if (rows != records) {
            throw new IllegalStateException(
                    "bench: the run committed "
                            + rows
                            + " rows and errors, expected "
                            + records
                            + ": "
                            + result.summary());
        }
        double runSeconds = (end - progress.start) / 1e9;
        return new Timing(
                rows,
                progress.steadyRate(),
                rows / runSeconds,
                (progress.first.get() - progress.start) / 1e9,
                planSeconds,
                runSeconds,
                cpu / 1e3 / rows,
                brokerCpu / 1e3 / rows,
                progress.steadyCpuMsPer1kRows(),
                progress.steadyBrokerCpuMsPer1kRows());
    }

    /** Scored-record counts over time, from the scoring subtasks. */
    private static final class Progress {
        private final long expected;
        private final SteadyState steady;
        private final BrokerCpu broker;
        private final AtomicLong count = new AtomicLong();
        private final AtomicLong first = new AtomicLong();
        private volatile long start;
        // Times at which the count first reached 20% and 90% of the expected records.
        private long lowAt;
        private long lowCount;
        private long highAt;
        private long highCount;
        private long lowCpu;
        private long highCpu;
        private long lowBroker;
        private long highBroker;

        Progress(long expected, SteadyState steady, BrokerCpu broker) {
            this.expected = expected;
            this.steady = steady;
            this.broker = broker;
        }

        void scored(long records) {
            long now = System.nanoTime();
            first.compareAndSet(0, now);
            long total = count.addAndGet(records);
            synchronized (this) {
                if (lowAt == 0 && total >= expected * 0.2) {
                    lowAt = now;
                    lowCount = total;
                    lowCpu = BenchRow.processCpuNanos();
                    lowBroker = broker.nanos();
                    hook(true);
                }
                if (highAt == 0 && total >= expected * 0.9) {
                    highAt = now;
                    highCount = total;
                    highCpu = BenchRow.processCpuNanos();
                    highBroker = broker.nanos();
                    hook(false);
                }
            }
        }

        private void hook(boolean entered) {
            if (steady == null) {
                return;
            }
            try {
                if (entered) {
                    steady.entered();
                } else {
                    steady.left();
                }
            } catch (Exception e) {
                throw new IllegalStateException("bench: the steady-state hook failed", e);
            }
        }

        /** This JVM's CPU time per 1000 rows scored in the steady state. */
        synchronized double steadyCpuMsPer1kRows() {
            if (lowAt == 0 || highAt <= lowAt) {
                return Double.NaN;
            }
            return (highCpu - lowCpu) / 1e3 / (highCount - lowCount);
        }

        /** The embedded broker's part of {@link #steadyCpuMsPer1kRows}. */
        synchronized double steadyBrokerCpuMsPer1kRows() {
            if (lowAt == 0 || highAt <= lowAt) {
                return Double.NaN;
            }
            return (highBroker - lowBroker) / 1e3 / (highCount - lowCount);
        }

        synchronized double steadyRate() {
            if (lowAt == 0 || highAt <= lowAt) {
                return Double.NaN;
            }
            return (highCount - lowCount) / ((highAt - lowAt) / 1e9);
        }
    }
}
