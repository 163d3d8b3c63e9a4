package dev.batchscore.pipeline;

import dev.batchscore.operators.BatchScoring;
import dev.batchscore.operators.KafkaRecord;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.ScoringSpec;
import dev.batchscore.pipeline.config.BatchSettings;
import dev.batchscore.pipeline.config.ErrorSettings;
import dev.batchscore.pipeline.config.ExecutionSettings;
import dev.batchscore.pipeline.config.JobSettings;
import dev.batchscore.pipeline.config.ModelSetSettings;
import dev.batchscore.pipeline.config.ModelSettings;
import dev.batchscore.pipeline.config.QualitySettings;
import dev.batchscore.pipeline.config.RunSettings;
import dev.batchscore.pipeline.config.SinkSettings;
import dev.batchscore.pipeline.config.SourceSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;

/**
 * The batchscore job as a typed builder, for the job jar, the command line and your own Flink
 * program alike: Kafka records scored in micro-batches by a TensorFlow SavedModel into two Iceberg
 * tables, exactly once across reruns (see {@link ScoringJob} for the graph).
 *
 * <pre>{@code
 * StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
 * BatchScoringJob job =
 *         BatchScoringJob.builder()
 *                 .source(SourceSettings.kafka("broker:9092", List.of("reviews")))
 *                 .model(ModelSettings.of("/models/sentiment").withInput("text", "review_text"))
 *                 .batching(BatchSettings.of(256))
 *                 .errors(ErrorSettings.defaults().withMaxRatio(0.05, 1000))
 *                 .sink(SinkSettings.hadoop("file:/data/warehouse", "analytics.scored_reviews"))
 *                 .build(); // every check: model, Kafka, tables; creates and claims nothing
 * try (ScoringRun run = job.start()) { // claims the pipeline, plans the run
 *     run.addTo(env);
 *     run.execute(env); // the started marker, then the job; the job marks the run complete
 * } // releases the claim unless a job of the run holds it
 * }</pre>
 *
 * <p>{@link Builder#records} and {@link Builder#sinks} swap the Kafka source and the Iceberg sinks
 * for any {@code DataStream<KafkaRecord>} and any sinks, e.g. in-memory records and a collecting
 * sink in a test. They go together: the run ledger that makes reruns exactly once is kept in the
 * Iceberg table by Kafka position, so a job with its own source and sinks is planned from the model
 * alone (its outputs are still read from the model) and its delivery is its sinks' business.
 */
public final class BatchScoringJob {

    /** Builds the job's input in the environment, in place of the Kafka source. */
    @FunctionalInterface
    public interface RecordSource {
        DataStream<KafkaRecord> create(StreamExecutionEnvironment env);
    }

    /** Adds sinks for the scored rows and the error rows, in place of the Iceberg sinks. */
    @FunctionalInterface
    public interface RowSinks {
        /**
         * Rows are laid out as {@code ScoredRows.scoredRowType(spec)} and {@code errorRowType()}.
         */
        void addTo(DataStream<RowData> scored, DataStream<RowData> errors, ScoringSpec spec);
    }

    private final JobPlan.Checked checked;
    private final ScoringSpec spec;
    private final Integer parallelism;
    private final RecordSource records;
    private final RowSinks sinks;

    private BatchScoringJob(
            JobPlan.Checked checked,
            ScoringSpec spec,
            Integer parallelism,
            RecordSource records,
            RowSinks sinks) {
        this.checked = checked;
        this.spec = spec;
        this.parallelism = parallelism;
        this.records = records;
        this.sinks = sinks;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts one run of this Kafka-to-Iceberg job: claims its pipeline and plans the run ({@link
     * ScoringRun#start}). Close the run when done: it releases the claim unless a job of the run
     * holds it.
     */
    public ScoringRun start() {
        if (checked == null) {
            throw new IllegalStateException(
                    "BatchScoringJob: a job with its own records and sinks has no run ledger to"
                            + " start a run in: addTo(env) and execute(env) it");
        }
        return ScoringRun.start(checked);
    }

    /** What the scoring operators run with: model, outputs, batching, errors, run. */
    public ScoringSpec spec() {
        return spec;
    }

    /**
     * Adds a job with its own records and sinks to {@code env}; a Kafka-to-Iceberg job is added by
     * its run ({@link #start}).
     */
    public void addTo(StreamExecutionEnvironment env) {
        requireOwnSourceAndSinks();
        int p = parallelism != null ? parallelism : env.getParallelism();
        SingleOutputStreamOperator<RowData> scored =
                BatchScoring.score(records.create(env), spec, p);
        sinks.addTo(scored, scored.getSideOutput(BatchScoring.ERRORS), spec);
    }

    /** Executes a job with its own records and sinks added to {@code env}. */
    public JobExecutionResult execute(StreamExecutionEnvironment env) throws Exception {
        requireOwnSourceAndSinks();
        return env.execute("batchscore " + spec.modelName());
    }

    private void requireOwnSourceAndSinks() {
        if (records == null) {
            throw new IllegalStateException(
                    "BatchScoringJob: a Kafka-to-Iceberg job runs as a run of its pipeline: try"
                            + " (ScoringRun run = job.start()) { run.addTo(env);"
                            + " run.execute(env); }");
        }
    }

    /**
     * Collects the job's settings. Defaults: {@link BatchSettings#defaults()}, {@link
     * ErrorSettings#defaults()}, {@link RunSettings#defaults()}, {@link
     * ExecutionSettings#defaults()}; source, model and sink have none.
     */
    public static final class Builder {
        private SourceSettings source;
        private ModelSettings model;
        private BatchSettings batch = BatchSettings.defaults();
        private SinkSettings sink;
        private ErrorSettings errors = ErrorSettings.defaults();
        private RunSettings run = RunSettings.defaults();
        private ExecutionSettings execution = ExecutionSettings.defaults();
        private QualitySettings quality = QualitySettings.defaults();
        private RecordSource records;
        private RowSinks sinks;
        private List<PassthroughField> passthrough = List.of();

        private Builder() {}

        /** Every part at once, e.g. {@code JobConfig.fromArgs(args).settings()}. */
        public Builder settings(JobSettings settings) {
            return source(settings.source())
                    .model(settings.model())
                    .batching(settings.batch())
                    .sink(settings.sink())
                    .errors(settings.errors())
                    .run(settings.run())
                    .execution(settings.execution())
                    .quality(settings.quality());
        }

        public Builder source(SourceSettings value) {
            this.source = Objects.requireNonNull(value);
            return this;
        }

        public Builder model(ModelSettings value) {
            this.model = Objects.requireNonNull(value);
            return this;
        }

        public Builder batching(BatchSettings value) {
            this.batch = Objects.requireNonNull(value);
            return this;
        }

        public Builder sink(SinkSettings value) {
            this.sink = Objects.requireNonNull(value);
            return this;
        }

        public Builder errors(ErrorSettings value) {
            this.errors = Objects.requireNonNull(value);
            return this;
        }

        public Builder run(RunSettings value) {
            this.run = Objects.requireNonNull(value);
            return this;
        }

        /** The {@code quality.*} checks of the run's row in the runs table. */
        public Builder quality(QualitySettings value) {
            this.quality = Objects.requireNonNull(value);
            return this;
        }

        public Builder execution(ExecutionSettings value) {
            this.execution = Objects.requireNonNull(value);
            return this;
        }

        /** Reads {@code records} instead of Kafka; needs {@link #sinks} too. */
        public Builder records(RecordSource value) {
            this.records = Objects.requireNonNull(value);
            return this;
        }

        /** Writes to {@code value} instead of Iceberg; needs {@link #records} too. */
        public Builder sinks(RowSinks value) {
            this.sinks = Objects.requireNonNull(value);
            return this;
        }

        /**
         * The record fields copied next to the outputs ({@code name} or {@code name:type}) for a
         * job with its own sinks; an Iceberg job takes them from {@link SinkSettings}.
         */
        public Builder passthrough(List<String> fields) {
            List<PassthroughField> parsed = new ArrayList<>();
            fields.forEach(f -> parsed.add(SinkSettings.parsePassthrough(f)));
            this.passthrough = List.copyOf(parsed);
            return this;
        }

        /** The settings of a Kafka-to-Iceberg job, checked as a whole. */
        public JobSettings settings() {
            require(source != null, "source(SourceSettings) is not set");
            require(model != null, "model(ModelSettings) is not set");
            require(sink != null, "sink(SinkSettings) is not set");
            return new JobSettings(
                    source,
                    model,
                    batch,
                    sink,
                    errors,
                    run,
                    execution,
                    ModelSetSettings.none(),
                    quality);
        }

        /**
         * Checks the job, creating and claiming nothing. A Kafka-to-Iceberg job runs every check of
         * {@link JobPlan#check} (the model, Kafka, the tables) and is run with {@link #start}; a
         * job with its own source and sinks only loads the model to learn its outputs.
         */
        public BatchScoringJob build() {
            require(
                    (records == null) == (sinks == null),
                    "records(...) and sinks(...) go together: the exactly-once run ledger is kept"
                            + " in the Iceberg table by Kafka position; set both or neither");
            if (records == null) {
                JobPlan.Checked checked = JobPlan.check(settings());
                return new BatchScoringJob(
                        checked, checked.spec(), execution.parallelism(), null, null);
            }
            require(model != null, "model(ModelSettings) is not set");
            ScoringSpec.Builder spec = JobPlan.specBuilder(model, batch, errors);
            ScoringSpec draft = spec.build();
            ModelProbe probe = ModelProbe.probe(draft);
            String pipelineId =
                    run.pipelineId() != null ? run.pipelineId() : "embedded:" + model.modelName();
            spec.outputs(probe.outputs())
                    .modelPath(probe.pinnedPath())
                    .passthrough(passthrough)
                    .pipelineId(pipelineId)
                    .runId(run.runIdIfSet().orElseGet(() -> UUID.randomUUID().toString()));
            return new BatchScoringJob(null, spec.build(), execution.parallelism(), records, sinks);
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalStateException("BatchScoringJob: " + message);
            }
        }
    }
}
