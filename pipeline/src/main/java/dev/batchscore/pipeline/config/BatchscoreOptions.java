package dev.batchscore.pipeline.config;

import dev.batchscore.operators.Ensemble;
import dev.batchscore.operators.ModelFailure;
import dev.batchscore.operators.format.RecordFormats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.description.BlockElement;
import org.apache.flink.configuration.description.TextElement;

/**
 * Every option a batchscore job reads, as {@link ConfigOption} constants with kebab-case keys and a
 * description each. The keys are the public interface: the YAML config file, the CLI's {@code
 * --<key> <value>} flags, {@code --help} and the README options table all use them.
 *
 * <p>Options whose type is a map ({@link #PREFIX_OPTIONS}) are prefixes: every key under {@code
 * <key>.} belongs to them, e.g. {@code source.kafka.properties.security.protocol: SSL}.
 *
 * <p>Values are resolved by {@link JobConfig}: CLI flag, then config file, then the default here.
 * Enum-like options are {@code enumType} options, parsed once into the typed settings records
 * ({@link JobSettings}); where a key is Flink's own, the constant is Flink's.
 */
public final class BatchscoreOptions {
    private BatchscoreOptions() {}

    // ---------------------------------------------------------------- source

    public static final ConfigOption<String> SOURCE_KAFKA_BOOTSTRAP_SERVERS =
            ConfigOptions.key("source.kafka.bootstrap-servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Kafka bootstrap servers, host:port[,host:port...]. Required.");

    public static final ConfigOption<List<String>> SOURCE_KAFKA_TOPIC =
            ConfigOptions.key("source.kafka.topic")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "The topic to read, or a list of topics (YAML list or comma-separated)."
                                    + " Required.");

    public static final ConfigOption<String> SOURCE_KAFKA_GROUP_ID =
            ConfigOptions.key("source.kafka.group-id")
                    .stringType()
                    .defaultValue("batchscore")
                    .withDescription(
                            "Kafka consumer group id; offsets are committed to it on checkpoints"
                                    + " (what 'committed' starting offsets resume from).");

    public static final ConfigOption<String> SOURCE_KAFKA_STARTING_OFFSETS =
            ConfigOptions.key("source.kafka.starting-offsets")
                    .stringType()
                    .defaultValue("earliest")
                    .withDescription(
                            "Where to start reading: earliest, latest, committed (the group's"
                                    + " offsets, earliest where it has none), timestamp:<epoch ms>, or"
                                    + " resume: exactly after the source positions this pipeline.id"
                                    + " last committed to the table, so scheduled runs read every"
                                    + " record once (needs source.kafka.bounded: true).");

    public static final ConfigOption<Boolean> SOURCE_KAFKA_BOUNDED =
            ConfigOptions.key("source.kafka.bounded")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Stop at the latest offsets seen when the job starts, so the job"
                                    + " finishes; false keeps reading new records forever.");

    public static final ConfigOption<SourceSettings.OnMissingOffsets>
            SOURCE_KAFKA_ON_MISSING_OFFSETS =
                    ConfigOptions.key("source.kafka.on-missing-offsets")
                            .enumType(SourceSettings.OnMissingOffsets.class)
                            .defaultValue(SourceSettings.OnMissingOffsets.FAIL)
                            .withDescription(
                                    "What a resume run does when Kafka no longer has offsets it should read"
                                            + " (deleted by retention since the last complete run): fail"
                                            + " stops the run before it writes anything, naming the missing"
                                            + " range; skip scores what Kafka still has and records the"
                                            + " range in the run's lineage (batchscore.missing-positions).");

    public static final ConfigOption<SourceSettings.OnTopicRecreated>
            SOURCE_KAFKA_ON_TOPIC_RECREATED =
                    ConfigOptions.key("source.kafka.on-topic-recreated")
                            .enumType(SourceSettings.OnTopicRecreated.class)
                            .defaultValue(SourceSettings.OnTopicRecreated.FAIL)
                            .withDescription(
                                    "What a resume run does when a topic was deleted and created"
                                            + " again since the last complete run (its Kafka topic id"
                                            + " changed, so the recorded positions belong to the old"
                                            + " topic): fail stops the run before it reads, naming the"
                                            + " topic and both ids; earliest reads that topic from its"
                                            + " earliest offset and records the recreation in the"
                                            + " run's lineage (batchscore.topic-recreated). A rerun"
                                            + " of a run id or a resume from a savepoint always fails"
                                            + " on a recreated topic.");

    /**
     * {@code fetch.max.wait.ms} of a bounded run's consumers unless set: a consumer's close at the
     * end of its splits waits for the fetch the broker holds back this long (500 ms by Kafka's
     * default).
     */
    public static final Duration BOUNDED_FETCH_MAX_WAIT = Duration.ofMillis(100);

    /**
     * {@code max.poll.records} of the consumers unless set: each poll is one hand-over from the
     * source's fetcher thread to its task, with a fixed cost that Kafka's 500 records a poll pay 40
     * times as often (docs/performance.md section 16: more rows/s in most alternating runs, within
     * a noisy machine's spread). A poll returns records that were fetched already, within {@code
     * fetch.max.bytes}, so a larger one holds no more of them in memory.
     */
    public static final int MAX_POLL_RECORDS = 20_000;

    /**
     * {@code receive.buffer.bytes} of the consumers unless set: -1, the operating system's own
     * socket buffer, which grows with the connection (Linux's autotuning, up to {@code tcp_rmem}'s
     * maximum), where Kafka's 64 KiB splits every fetch response of up to a MiB per partition into
     * many reads and throttles the broker's sends to it (docs/performance.md section 17: more
     * rows/s in 11 of 12 alternating pairs of runs, with less CPU per record, the broker's too).
     */
    public static final int RECEIVE_BUFFER_BYTES = -1;

    public static final ConfigOption<Map<String, String>> SOURCE_KAFKA_PROPERTIES =
            ConfigOptions.key("source.kafka.properties")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "Prefix: any Kafka consumer property, passed to the client as is, e.g."
                                    + " source.kafka.properties.security.protocol: SSL. isolation.level"
                                    + " defaults to read_committed: aborted and still open"
                                    + " transactions are not read, and a bounded run stops at the"
                                    + " last stable offset. fetch.max.wait.ms defaults to "
                                    + BOUNDED_FETCH_MAX_WAIT.toMillis()
                                    + " in a bounded run, whose readers wait that long when they"
                                    + " close; max.poll.records to "
                                    + MAX_POLL_RECORDS
                                    + ", the records the source hands to its task at a time;"
                                    + " receive.buffer.bytes to "
                                    + RECEIVE_BUFFER_BYTES
                                    + ", the operating system's socket buffer.");

    // ---------------------------------------------------------------- pipeline

    public static final ConfigOption<String> PIPELINE_ID =
            ConfigOptions.key("pipeline.id")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Who writes: rows, the run ledger and 'resume' positions are kept per"
                                    + " pipeline id, so several pipelines can write one table. Default:"
                                    + " <table>:<topics joined by +>, so a new or renamed model continues the"
                                    + " pipeline; tables written under the earlier default"
                                    + " (<table>:<topics>:<model name>) go on under that id. Set it"
                                    + " when the table or topics change but the pipeline should go"
                                    + " on, or to run several pipelines over one topic and table.");

    public static final ConfigOption<String> PIPELINE_RUN_ID =
            ConfigOptions.key("pipeline.run-id")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Id of this run (the _run_id column). Default: a new UUID, or the"
                                    + " interrupted run's id when resuming from a savepoint. Set it to"
                                    + " the schedule slot so a slot that runs twice reads the same"
                                    + " positions and writes nothing the second time.");

    public static final ConfigOption<Duration> PIPELINE_CLAIM_TIMEOUT =
            ConfigOptions.key("pipeline.claim-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "One run per pipeline id at a time: a run claims its pipeline in the"
                                    + " table (property batchscore.claim.<pipeline id>) before it"
                                    + " reads, and a second run exits with code 4 while the claim"
                                    + " holds. The claim is a lease renewed while the run runs; a"
                                    + " run whose holder stopped renewing it for this long (a"
                                    + " crashed client or job) is taken over by the next run."
                                    + " Clear it at once with ./batchscore release.");

    // ---------------------------------------------------------------- model

    public static final ConfigOption<String> MODEL_PATH =
            ConfigOptions.key("model.path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "SavedModel directory (with saved_model.pb), or a TensorFlow Serving"
                                    + " base directory whose highest numeric version is used (pinned"
                                    + " when the run is planned). A local path, or any Flink filesystem"
                                    + " URI (s3://, gs://, hdfs://, file://), read with the Flink"
                                    + " filesystem configuration (plugins, s3.* keys) of the client and"
                                    + " every TaskManager; a remote model is copied to"
                                    + " model.local-dir once per TaskManager. Required.");

    public static final ConfigOption<String> MODEL_LOCAL_DIR =
            ConfigOptions.key("model.local-dir")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Local directory a model.path on a remote filesystem is copied to, on"
                                    + " the client and on every TaskManager, once per process and"
                                    + " atomically (a half-copied model is never loaded); a later"
                                    + " process reuses a complete copy of the same files. Default:"
                                    + " <java.io.tmpdir>/batchscore-models.");

    public static final ConfigOption<String> MODEL_SIGNATURE =
            ConfigOptions.key("model.signature")
                    .stringType()
                    .defaultValue("serving_default")
                    .withDescription("The signature to score with.");

    public static final ConfigOption<List<String>> MODEL_TAGS =
            ConfigOptions.key("model.tags")
                    .stringType()
                    .asList()
                    .defaultValues("serve")
                    .withDescription("The meta graph tag set to load.");

    public static final ConfigOption<String> MODEL_NAME =
            ConfigOptions.key("model.name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The name written to the _model column. Default: the model directory's"
                                    + " name (the base directory for a TF Serving layout).");

    public static final ConfigOption<Map<String, String>> MODEL_INPUT =
            ConfigOptions.key("model.input")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "Prefix: model.input.<name>: <field> reads the signature input (or"
                                    + " tf.Example feature) <name> from that record field (a.b for a"
                                    + " nested one, in any source.format). Unmapped inputs read the"
                                    + " field of their own name.");

    public static final ConfigOption<Map<String, String>> MODELS =
            ConfigOptions.key("models")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "Prefix: several models scored in one pass, by name:"
                                    + " models.<name>.path, .signature, .tags, .input.<input> (as"
                                    + " model.*) and .role (champion, the default, or shadow: scores"
                                    + " and writes its columns but never fails the run). Outputs"
                                    + " become <name>_<output> columns. Replaces model.path; see"
                                    + " docs/multi-model.md.");

    public static final ConfigOption<String> ENSEMBLE_OUTPUT =
            ConfigOptions.key("ensemble.output")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "With models.*: the column that combines one output of every champion"
                                    + " model, written beside the models' own. Unset: no ensemble.");

    public static final ConfigOption<Ensemble.Method> ENSEMBLE_METHOD =
            ConfigOptions.key("ensemble.method")
                    .enumType(Ensemble.Method.class)
                    .defaultValue(Ensemble.Method.MEAN)
                    .withDescription(
                            "How ensemble.output combines: mean, weighted-mean"
                                    + " (ensemble.weights.<name>), max, min (a DOUBLE for the means,"
                                    + " the outputs' type otherwise) or vote (the most frequent label).");

    public static final ConfigOption<Map<String, String>> ENSEMBLE_WEIGHTS =
            ConfigOptions.key("ensemble.weights")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "Prefix: ensemble.weights.<name>: the model's weight for weighted-mean"
                                    + " (and vote); 1 if unset except for weighted-mean.");

    public static final ConfigOption<String> ENSEMBLE_INPUTS =
            ConfigOptions.key("ensemble.inputs")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The output name combined from each champion model. Default: the"
                                    + " first champion's first output. Outputs of another dtype or"
                                    + " shape are refused before the run starts.");

    public static final ConfigOption<Integer> MODEL_INTRA_OP_THREADS =
            ConfigOptions.key("model.intra-op-threads")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "TensorFlow intra-op thread pool size per TaskManager; 0 lets"
                                    + " TensorFlow choose.");

    public static final ConfigOption<Integer> MODEL_INTER_OP_THREADS =
            ConfigOptions.key("model.inter-op-threads")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "TensorFlow inter-op thread pool size; 0 lets TensorFlow choose.");

    public static final ConfigOption<Integer> BATCH_SIZE =
            ConfigOptions.key("batch.size")
                    .intType()
                    .defaultValue(256)
                    .withDescription(
                            "Records per model call (a micro-batch fires when it is full).");

    public static final ConfigOption<Duration> BATCH_MAX_DELAY =
            ConfigOptions.key("batch.max-delay")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "A micro-batch that is not full fires this long after its first"
                                    + " record.");

    public static final ConfigOption<Integer> BATCH_BUCKETS =
            ConfigOptions.key("batch.buckets")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "Number of keys records are spread over before micro-batching; 0"
                                    + " means 4 x parallelism.");

    public static final ConfigOption<List<String>> OUTPUT_PASSTHROUGH =
            ConfigOptions.key("output.passthrough")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Record fields copied to the table next to the model outputs, as name"
                                    + " or name:type (string, long, double, boolean; with Avro and"
                                    + " Protobuf the type comes from the schema). Default: the"
                                    + " existing table's non-output columns, else every top-level"
                                    + " field of the record (by the schema, or of the first records"
                                    + " of the topic) that is not a model input.");

    // ---------------------------------------------------------------- sink

    public static final ConfigOption<SinkSettings.CatalogType> SINK_ICEBERG_CATALOG_TYPE =
            ConfigOptions.key("sink.iceberg.catalog.type")
                    .enumType(SinkSettings.CatalogType.class)
                    .defaultValue(SinkSettings.CatalogType.HADOOP)
                    .withDescription("Iceberg catalog type: hadoop, rest, hive or jdbc.");

    public static final ConfigOption<String> SINK_ICEBERG_CATALOG_URI =
            ConfigOptions.key("sink.iceberg.catalog.uri")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Catalog URI: the REST endpoint, the Hive metastore thrift URI or the"
                                    + " JDBC URL. Required for rest, hive and jdbc.");

    public static final ConfigOption<String> SINK_ICEBERG_CATALOG_WAREHOUSE =
            ConfigOptions.key("sink.iceberg.catalog.warehouse")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Warehouse location (a path or URI). Required for hadoop and jdbc.");

    public static final ConfigOption<Map<String, String>> SINK_ICEBERG_CATALOG_PROPERTIES =
            ConfigOptions.key("sink.iceberg.catalog.properties")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "Prefix: any Iceberg catalog property, passed to the catalog as is,"
                                    + " e.g. for a warehouse on S3 or an S3-compatible store:"
                                    + " io-impl: org.apache.iceberg.aws.s3.S3FileIO, s3.endpoint,"
                                    + " s3.path-style-access: true, client.region,"
                                    + " s3.access-key-id and s3.secret-access-key (or the AWS"
                                    + " environment variables / instance credentials).");

    public static final ConfigOption<String> SINK_ICEBERG_TABLE =
            ConfigOptions.key("sink.iceberg.table")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The table to write, namespace.table; created if missing. Required.");

    public static final ConfigOption<String> SINK_ICEBERG_ERRORS_TABLE =
            ConfigOptions.key("sink.iceberg.errors-table")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The dead-letter table for records that could not be decoded, encoded"
                                    + " or scored. Default: <table>_errors.");

    public static final ConfigOption<List<String>> SINK_ICEBERG_PARTITION_BY =
            ConfigOptions.key("sink.iceberg.partition-by")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "Partition spec of a table created by the job: column names or"
                                    + " transforms year(c), month(c), day(c), hour(c), bucket(N, c),"
                                    + " truncate(W, c). Ignored for an existing table.");

    public static final ConfigOption<Map<String, String>> SINK_ICEBERG_TABLE_PROPERTIES =
            ConfigOptions.key("sink.iceberg.table-properties")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "Prefix: Iceberg table properties for tables created by the job, e.g."
                                    + " sink.iceberg.table-properties.write.format.default: orc.");

    // ---------------------------------------------------------------- errors

    public static final ConfigOption<ErrorSettings.Mode> ERRORS_MODE =
            ConfigOptions.key("errors.mode")
                    .enumType(ErrorSettings.Mode.class)
                    .defaultValue(ErrorSettings.Mode.DEAD_LETTER)
                    .withDescription(
                            "What happens to a record that cannot be decoded, encoded or scored:"
                                    + " dead-letter writes it with the reason to the errors table,"
                                    + " skip only counts it, fail fails the run at the first one.");

    public static final ConfigOption<Double> ERRORS_MAX_RATIO =
            ConfigOptions.key("errors.max-ratio")
                    .doubleType()
                    .defaultValue(1.0)
                    .withDescription(
                            "Fail the run when more than this share of the records read is bad"
                                    + " (dead-lettered or skipped), e.g. 0.05; 1 never fails. Each scoring"
                                    + " subtask checks its own share once it has read errors.min-records"
                                    + " records; the run's total is checked when the input ends.");

    public static final ConfigOption<Long> ERRORS_MIN_RECORDS =
            ConfigOptions.key("errors.min-records")
                    .longType()
                    .defaultValue(1000L)
                    .withDescription(
                            "Records a scoring subtask reads before it applies errors.max-ratio.");

    public static final ConfigOption<ErrorSettings.NonFinite> ERRORS_NON_FINITE =
            ConfigOptions.key("errors.non-finite")
                    .enumType(ErrorSettings.NonFinite.class)
                    .defaultValue(ErrorSettings.NonFinite.REJECT)
                    .withDescription(
                            "NaN and Infinity (JSON tokens NaN, Infinity, -Infinity) for a float"
                                    + " input: reject makes the record an encode error, allow feeds"
                                    + " them to the model.");

    public static final ConfigOption<MemorySize> ERRORS_MAX_RECORD_BYTES =
            ConfigOptions.key("errors.max-record-bytes")
                    .memoryType()
                    .defaultValue(MemorySize.ofMebiBytes(1))
                    .withDescription(
                            "A record value larger than this is a decode error, not parsed.");

    // ---------------------------------------------------------------- execution

    // Flink's own keys are Flink's own ConfigOption constants, with a description of what they mean
    // for a batchscore run (Flink's descriptions are generic).

    /** {@code quality.on-violation}. */
    public enum OnViolation {
        WARN,
        FAIL;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final ConfigOption<Duration> QUALITY_MAX_INPUT_AGE =
            ConfigOptions.key("quality.max-input-age")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "Stale input: a violation when the newest record the run read is older"
                                    + " than this when the run starts, e.g. 1 h. Default: not"
                                    + " checked.");

    public static final ConfigOption<Long> QUALITY_MIN_RECORDS =
            ConfigOptions.key("quality.min-records")
                    .longType()
                    .noDefaultValue()
                    .withDescription(
                            "A broken upstream: a violation when the run reads fewer records than"
                                    + " this. Default: not checked.");

    public static final ConfigOption<Double> QUALITY_MAX_ERROR_RATIO =
            ConfigOptions.key("quality.max-error-ratio")
                    .doubleType()
                    .noDefaultValue()
                    .withDescription(
                            "A violation when more than this share of the records read is bad."
                                    + " Default: errors.max-ratio, which also fails the run while"
                                    + " it runs, as it always did; this one is only reported.");

    public static final ConfigOption<Double> QUALITY_MAX_DRIFT =
            ConfigOptions.key("quality.max-drift")
                    .doubleType()
                    .noDefaultValue()
                    .withDescription(
                            "A violation when an output column's population stability index"
                                    + " against the previous complete run of the pipeline is above"
                                    + " this, e.g. 0.2. Default: not checked (the PSI is recorded"
                                    + " in the runs table either way).");

    public static final ConfigOption<OnViolation> QUALITY_ON_VIOLATION =
            ConfigOptions.key("quality.on-violation")
                    .enumType(OnViolation.class)
                    .defaultValue(OnViolation.WARN)
                    .withDescription(
                            "warn: a violation is logged and recorded in the runs table"
                                    + " (<table>_runs). fail: also exits with code 5 once the"
                                    + " run's data is committed, so a scheduler stops the next step"
                                    + " and nothing is lost. The job judges the run, so detached"
                                    + " runs record the same.");

    public static final ConfigOption<RuntimeExecutionMode> EXECUTION_RUNTIME_MODE =
            ExecutionOptions.RUNTIME_MODE.withDescription(
                    "streaming or batch. streaming (the default) commits to Iceberg on"
                            + " every checkpoint, so a failed run keeps what was committed and"
                            + " restarts from the checkpointed offsets; batch commits once at"
                            + " the end and needs a bounded source.");

    public static final ConfigOption<Integer> PARALLELISM =
            ConfigOptions.key("parallelism")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "Job parallelism. Default: the cluster's default (locally, the number"
                                    + " of cores).");

    /** Flink's key with a default: Flink's own constant has none (no checkpoints, no commits). */
    public static final ConfigOption<Duration> EXECUTION_CHECKPOINTING_INTERVAL =
            ConfigOptions.key(CheckpointingOptions.CHECKPOINTING_INTERVAL.key())
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "Checkpoint interval in streaming mode; each checkpoint commits an"
                                    + " Iceberg snapshot. A bounded job ends with one more checkpoint,"
                                    + " so this also bounds the wait after the last record.");

    public static final ConfigOption<String> EXECUTION_CHECKPOINTING_DIR =
            CheckpointingOptions.CHECKPOINTS_DIRECTORY.withDescription(
                    "Durable checkpoint storage (path or URI). Default: the JobManager's"
                            + " memory, which does not survive a JobManager failure.");

    public static final ConfigOption<Integer> EXECUTION_RESTART_MAX_ATTEMPTS =
            ConfigOptions.key("execution.restart.max-attempts")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "How often a failed job is restarted (from the last checkpoint in"
                                    + " streaming mode, the failed tasks in batch mode) before the"
                                    + " run fails; 0 fails at the first error. A batchscore key, not"
                                    + " Flink's restart-strategy.*: it sets a bounded fixed-delay"
                                    + " strategy, where Flink's default with checkpoints restarts"
                                    + " forever.");

    public static final ConfigOption<Duration> EXECUTION_RESTART_DELAY =
            ConfigOptions.key("execution.restart.delay")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(2))
                    .withDescription("The wait before each restart.");

    public static final ConfigOption<String> EXECUTION_STATE_RECOVERY_PATH =
            StateRecoveryOptions.SAVEPOINT_PATH.withDescription(
                    "Savepoint (or retained checkpoint) to resume the run from; also"
                            + " --resume-from. The resumed run reads on from the saved source"
                            + " positions and finishes at the stopping offsets of the original"
                            + " run.");

    public static final ConfigOption<Map<String, String>> FLINK =
            ConfigOptions.key("flink")
                    .mapType()
                    .noDefaultValue()
                    .withDescription(
                            "Prefix: any Flink configuration key, passed to the job's Flink"
                                    + " configuration as is, without the prefix, e.g."
                                    + " flink.s3.endpoint, flink.s3.path.style.access: true,"
                                    + " flink.s3.access-key and flink.s3.secret-key for s3://"
                                    + " paths on ./batchscore run, whose embedded MiniCluster"
                                    + " initialises its filesystems (and the plugins in"
                                    + " FLINK_PLUGINS_DIR) with them. The options above win over"
                                    + " the same key under flink.*. On a cluster, filesystem keys"
                                    + " belong in the cluster's own configuration.");

    /** Every option, in the order {@code --help} and the README list them. */
    public static final ConfigOption<ModelFailure> ERRORS_ON_MODEL_FAILURE =
            ConfigOptions.key("errors.on-model-failure")
                    .enumType(ModelFailure.class)
                    .defaultValue(ModelFailure.DROP_ROW)
                    .withDescription(
                            "With models.*: a record one champion model cannot score is a dead"
                                    + " letter naming that model; drop-row writes no scored row for"
                                    + " it, null-outputs writes the row with that model's columns"
                                    + " (and the ensemble) null. A shadow model's failure never"
                                    + " drops a row.");

    public static final List<ConfigOption<?>> ALL =
            concat(
                    List.of(
                            SOURCE_KAFKA_BOOTSTRAP_SERVERS,
                            SOURCE_KAFKA_TOPIC,
                            SOURCE_KAFKA_GROUP_ID,
                            SOURCE_KAFKA_STARTING_OFFSETS,
                            SOURCE_KAFKA_BOUNDED,
                            SOURCE_KAFKA_ON_MISSING_OFFSETS,
                            SOURCE_KAFKA_ON_TOPIC_RECREATED,
                            SOURCE_KAFKA_PROPERTIES),
                    // source.format and each format's own options, from the formats themselves
                    RecordFormats.options(),
                    List.of(
                            PIPELINE_ID,
                            PIPELINE_RUN_ID,
                            PIPELINE_CLAIM_TIMEOUT,
                            MODEL_PATH,
                            MODEL_LOCAL_DIR,
                            MODEL_SIGNATURE,
                            MODEL_TAGS,
                            MODEL_NAME,
                            MODEL_INPUT,
                            MODEL_INTRA_OP_THREADS,
                            MODEL_INTER_OP_THREADS,
                            MODELS,
                            ENSEMBLE_OUTPUT,
                            ENSEMBLE_METHOD,
                            ENSEMBLE_WEIGHTS,
                            ENSEMBLE_INPUTS,
                            BATCH_SIZE,
                            BATCH_MAX_DELAY,
                            BATCH_BUCKETS,
                            OUTPUT_PASSTHROUGH,
                            SINK_ICEBERG_CATALOG_TYPE,
                            SINK_ICEBERG_CATALOG_URI,
                            SINK_ICEBERG_CATALOG_WAREHOUSE,
                            SINK_ICEBERG_CATALOG_PROPERTIES,
                            SINK_ICEBERG_TABLE,
                            SINK_ICEBERG_ERRORS_TABLE,
                            SINK_ICEBERG_PARTITION_BY,
                            SINK_ICEBERG_TABLE_PROPERTIES,
                            ERRORS_MODE,
                            ERRORS_MAX_RATIO,
                            ERRORS_MIN_RECORDS,
                            ERRORS_NON_FINITE,
                            ERRORS_MAX_RECORD_BYTES,
                            ERRORS_ON_MODEL_FAILURE,
                            QUALITY_MAX_INPUT_AGE,
                            QUALITY_MIN_RECORDS,
                            QUALITY_MAX_ERROR_RATIO,
                            QUALITY_MAX_DRIFT,
                            QUALITY_ON_VIOLATION,
                            EXECUTION_RUNTIME_MODE,
                            PARALLELISM,
                            EXECUTION_CHECKPOINTING_INTERVAL,
                            EXECUTION_CHECKPOINTING_DIR,
                            EXECUTION_RESTART_MAX_ATTEMPTS,
                            EXECUTION_RESTART_DELAY,
                            EXECUTION_STATE_RECOVERY_PATH,
                            FLINK));

    @SafeVarargs
    private static List<ConfigOption<?>> concat(List<ConfigOption<?>>... parts) {
        List<ConfigOption<?>> out = new java.util.ArrayList<>();
        for (List<ConfigOption<?>> part : parts) {
            out.addAll(part);
        }
        return List.copyOf(out);
    }

    /** Options that own every key under {@code <key>.}. */
    public static final Set<ConfigOption<Map<String, String>>> PREFIX_OPTIONS =
            Set.of(
                    SOURCE_KAFKA_PROPERTIES,
                    MODEL_INPUT,
                    MODELS,
                    ENSEMBLE_WEIGHTS,
                    SINK_ICEBERG_CATALOG_PROPERTIES,
                    SINK_ICEBERG_TABLE_PROPERTIES,
                    FLINK);

    /** Options without a default that every run needs (others are required conditionally). */
    public static final List<ConfigOption<?>> REQUIRED =
            List.of(
                    SOURCE_KAFKA_BOOTSTRAP_SERVERS,
                    SOURCE_KAFKA_TOPIC,
                    MODEL_PATH,
                    SINK_ICEBERG_TABLE);

    /** The option's description as plain text. */
    public static String description(ConfigOption<?> option) {
        StringBuilder sb = new StringBuilder();
        for (BlockElement block : option.description().getBlocks()) {
            if (block instanceof TextElement text) {
                sb.append(text.getFormat());
            }
        }
        return sb.toString();
    }

    /** The key as users write it: {@code source.kafka.properties.*} for a prefix option. */
    public static String displayKey(ConfigOption<?> option) {
        return PREFIX_OPTIONS.contains(option) ? option.key() + ".*" : option.key();
    }
}
