package dev.batchscore.pipeline;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.ModelException;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.TensorSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.operators.ScoringSpec;
import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.config.JobSettings;
import dev.batchscore.pipeline.config.ModelSettings;
import dev.batchscore.pipeline.config.SinkSettings;
import dev.batchscore.pipeline.config.SourceSettings;
import dev.batchscore.pipeline.iceberg.IcebergTables;
import dev.batchscore.pipeline.iceberg.WarehouseProbe;
import dev.batchscore.pipeline.kafka.KafkaChecks;
import dev.batchscore.pipeline.kafka.TopicSampler;
import dev.batchscore.pipeline.runs.CommittedPositions;
import dev.batchscore.pipeline.runs.Run;
import dev.batchscore.pipeline.runs.RunLedger;
import dev.batchscore.pipeline.runs.RunPlanner;
import dev.batchscore.pipeline.runs.Savepoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job validated against the world before it starts: the model was loaded once in the client to
 * learn its outputs, the passthrough columns are known, and both Iceberg tables exist with a
 * compatible schema. {@link ScoringJob} wires a plan into a Flink job graph.
 *
 * @param settings the settings the plan was made from
 * @param spec what the scoring operators need, outputs resolved
 * @param catalogLoader loads the Iceberg catalog in the sink's tasks
 * @param table the scored table
 * @param errorsTable the dead-letter table
 * @param scoredRowType the scored table's row type
 * @param errorRowType the errors table's row type
 * @param run which run this is and which source positions it covers (see {@link RunPlanner})
 * @param committed positions of the run's range the pipeline already committed: not read again
 * @param restorePath the savepoint the job restores, or null: none was asked for, or the one asked
 *     for was taken after every operator had finished (a drained stop), and the run's range is read
 *     again instead, minus what it committed
 */
public record JobPlan(
        JobSettings settings,
        ScoringSpec spec,
        CatalogLoader catalogLoader,
        TableIdentifier table,
        TableIdentifier errorsTable,
        RowType scoredRowType,
        RowType errorRowType,
        Run run,
        CommittedPositions committed,
        String restorePath) {

    private static final Logger LOG = LoggerFactory.getLogger(JobPlan.class);
    private static final int SAMPLE_PER_PARTITION = 5;
    private static final Duration SAMPLE_TIMEOUT = Duration.ofSeconds(30);

    /** How long the pre-flight check waits for a Kafka broker to answer. */
    public static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(10);

    private static final Set<String> METADATA_COLUMNS =
            Set.of(
                    ScoredRows.SOURCE_TOPIC,
                    ScoredRows.SOURCE_PARTITION,
                    ScoredRows.SOURCE_OFFSET,
                    ScoredRows.SOURCE_TIMESTAMP,
                    ScoredRows.MODEL,
                    ScoredRows.MODEL_VERSION,
                    ScoredRows.SCORED_AT,
                    ScoredRows.PIPELINE_ID,
                    ScoredRows.RUN_ID);

    /**
     * Resolves {@code config} into a plan, checking everything that can be checked before the first
     * record is read, in an order that creates nothing until every check has passed: the
     * configuration (in {@link JobConfig}), the model (directory, tags, signature, input mapping
     * names), Kafka (brokers answer within {@link #KAFKA_TIMEOUT}, topics exist), the mapping's
     * value types on sampled records, the warehouse (writable), the existing tables (compatible
     * schemas) and the partition spec; only then are missing tables created. Throws {@link
     * ConfigException} or {@link ModelException}, each one line naming what to fix.
     */
    public static JobPlan create(JobConfig config) {
        return create(config.settings());
    }

    /** As {@link #create(JobConfig)}, from settings made in code. */
    public static JobPlan create(JobSettings settings) {
        ModelSettings modelSettings = settings.model();
        SourceSettings source = settings.source();
        SinkSettings sink = settings.sink();
        String modelPath = modelSettings.path();
        if (!Files.exists(Path.of(modelPath))) {
            throw new ConfigException(
                    "model.path '"
                            + modelPath
                            + "' does not exist: point it at a SavedModel directory");
        }
        ScoringSpec.Builder builder =
                ScoringSpec.builder()
                        .modelPath(modelPath)
                        .tags(modelSettings.tags())
                        .signature(modelSettings.signature())
                        .inputMapping(modelSettings.inputMapping())
                        .intraOpThreads(modelSettings.intraOpThreads())
                        .interOpThreads(modelSettings.interOpThreads())
                        .batchSize(settings.batch().size())
                        .maxDelay(settings.batch().maxDelay())
                        .buckets(settings.batch().buckets())
                        .errorPolicy(settings.errors().policy());
        builder.modelName(modelSettings.modelName());

        // Outputs and input fields come from the model itself so the row type is fixed up front.
        ScoringSpec draft = builder.build();
        List<TensorSpec> outputs;
        String modelVersion;
        Path exportDir;
        List<FieldSpec> modelFields;
        Set<String> inputFields = new LinkedHashSet<>();
        try (SavedModel model = ModelRegistry.acquire(Path.of(modelPath), draft.modelOptions())) {
            BatchScorer scorer = model.scorer(draft.signature());
            outputs = scorer.signature().outputs();
            exportDir = model.exportDir();
            modelVersion =
                    model.describe().version().isPresent()
                            ? Long.toString(model.describe().version().getAsLong())
                            : "unversioned";
            modelFields = scorer.fields();
            Set<String> known = new HashSet<>();
            for (FieldSpec field : scorer.fields()) {
                known.add(field.name());
                inputFields.add(draft.jsonFieldFor(field.name()));
            }
            for (String mapped : draft.inputMapping().keySet()) {
                if (!known.contains(mapped)) {
                    throw new ConfigException(
                            "model.input."
                                    + mapped
                                    + ": signature '"
                                    + draft.signature()
                                    + "' has no input named '"
                                    + mapped
                                    + "'; its inputs are "
                                    + known
                                    + ": rename the key to model.input.<one of them>");
                }
            }
        }
        builder.outputs(outputs);
        // Pinned: for a TF Serving base directory, the version resolved here (the one the lineage
        // names) is what every task loads, on every restart, even once a newer version appears.
        builder.modelPath(exportDir.toString());
        Set<String> outputNames = new HashSet<>();
        outputs.forEach(o -> outputNames.add(o.key()));

        String servers = source.bootstrapServers();
        List<String> topics = source.topics();
        KafkaChecks.check(servers, topics, source.clientProperties(), KAFKA_TIMEOUT);
        InputTypeCheck.check(
                modelFields,
                draft,
                TopicSampler.sampleRecords(
                        servers,
                        topics,
                        source.clientProperties(),
                        SAMPLE_PER_PARTITION,
                        SAMPLE_TIMEOUT));

        if (sink.catalogType().needsWarehouse()) {
            // Before the catalog is touched: a Hadoop catalog over an unwritable path fails later
            // with a less telling error, or half way through creating the tables.
            WarehouseProbe.check(sink.warehouse());
        }
        CatalogLoader loader = IcebergTables.catalogLoader(sink);
        TableIdentifier tableId = IcebergTables.identifier(sink.table());
        TableIdentifier errorsId = IcebergTables.identifier(sink.errorsTable());
        Catalog catalog;
        Optional<Table> existing;
        Optional<Table> existingErrors;
        try {
            catalog = loader.loadCatalog();
            existing = IcebergTables.load(catalog, tableId);
            existingErrors = IcebergTables.load(catalog, errorsId);
        } catch (RuntimeException e) {
            throw new ConfigException(
                    "the Iceberg catalog ("
                            + sink.catalogType()
                            + " at "
                            + sink.location()
                            + ") cannot be reached: "
                            + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
                            + "; check sink.iceberg.catalog.*",
                    e);
        }
        String restorePath = settings.execution().stateRecoveryPath();
        if (restorePath != null && drained(restorePath)) {
            // After stop --drain every task is finished in the savepoint: restored, it would read
            // nothing more. The run goes on from its ledger range, skipping what it committed.
            LOG.info(
                    "Savepoint {} was taken after the input was drained: rerunning the run's range"
                            + " instead of restoring it",
                    restorePath);
            restorePath = null;
        }
        String newRunId = UUID.randomUUID().toString();
        RunPlanner.Planned planned = null;
        try {
            // Every check that can fail, for both tables, before the pipeline is claimed or either
            // table is created or changed. The row types do not depend on the run.
            builder.passthrough(passthrough(source, sink, existing, inputFields, outputNames));
            RowType scored = ScoredRows.scoredRowType(builder.build());
            RowType errors = ScoredRows.errorRowType();
            List<String> partitionBy = sink.partitionBy();
            Map<String, String> tableProps = sink.tableProperties();
            // The errors table has its own fixed columns: only partition it by them if it can be.
            List<String> errorPartitions = new ArrayList<>();
            for (String p : partitionBy) {
                if (p.contains(ScoredRows.SOURCE_TIMESTAMP)
                        || p.contains(ScoredRows.SOURCE_TOPIC)) {
                    errorPartitions.add(p);
                }
            }
            if (existing.isPresent()) {
                IcebergTables.checkCompatible(
                        existing.get(), IcebergTables.schemaOf(scored), tableId.toString());
            } else {
                IcebergTables.partitionSpec(IcebergTables.schemaOf(scored), partitionBy);
            }
            if (existingErrors.isPresent()) {
                IcebergTables.checkCompatible(
                        existingErrors.get(), IcebergTables.schemaOf(errors), errorsId.toString());
            } else {
                IcebergTables.partitionSpec(IcebergTables.schemaOf(errors), errorPartitions);
            }
            // Before the tables are touched: a resumed run takes its id from the ledger, and a run
            // of an existing table claims its pipeline there before it reads anything.
            planned = RunPlanner.plan(settings, existing, existingErrors, modelVersion, newRunId);
            builder.pipelineId(planned.run().pipelineId()).runId(planned.run().runId());
            ScoringSpec spec = builder.build();
            Table scoredTable =
                    IcebergTables.ensureTable(catalog, tableId, scored, partitionBy, tableProps);
            Table errorsTable =
                    IcebergTables.ensureTable(
                            catalog, errorsId, errors, errorPartitions, tableProps);
            if (existing.isEmpty()) {
                // There was no table to claim the pipeline in: claim it now and plan again, since
                // another run may have created the table and run meanwhile.
                RunPlanner.Planned again =
                        RunPlanner.plan(
                                settings,
                                Optional.of(scoredTable),
                                Optional.of(errorsTable),
                                modelVersion,
                                newRunId);
                existing = Optional.of(scoredTable);
                if (!again.run().runId().equals(planned.run().runId())) {
                    planned = again;
                    throw new ConfigException(
                            "pipeline '"
                                    + again.run().pipelineId()
                                    + "': another run created its table meanwhile; run it again");
                }
                planned = again;
            }
            LOG.info("Planned job: {} -> {} (errors to {})", spec, tableId, errorsId);
            return new JobPlan(
                    settings,
                    spec,
                    loader,
                    tableId,
                    errorsId,
                    scored,
                    errors,
                    planned.run(),
                    planned.committed(),
                    restorePath);
        } catch (RuntimeException e) {
            if (planned != null && existing.isPresent()) {
                // This run claimed its pipeline but does not go ahead.
                new RunLedger(existing.get()).release(planned.run());
            }
            throw e;
        } finally {
            if (catalog instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    LOG.debug("Closing the catalog failed", e);
                }
            }
        }
    }

    /**
     * {@code output.passthrough} if set; else the existing table's columns that are neither model
     * outputs nor metadata; else the fields of the first records of the topic, minus model inputs.
     */
    static List<PassthroughField> passthrough(
            SourceSettings source,
            SinkSettings sink,
            Optional<Table> existing,
            Set<String> inputFields,
            Set<String> outputs) {
        List<PassthroughField> fields = new ArrayList<>();
        boolean explicit = sink.passthroughFields().isPresent();
        if (explicit) {
            fields.addAll(sink.passthrough());
        } else if (existing.isPresent()) {
            for (Types.NestedField column : existing.get().schema().columns()) {
                if (outputs.contains(column.name()) || METADATA_COLUMNS.contains(column.name())) {
                    continue;
                }
                fields.add(new PassthroughField(column.name(), passthroughType(column)));
            }
        } else {
            fields.addAll(
                    TopicSampler.inferPassthrough(
                            source.bootstrapServers(),
                            source.topics(),
                            source.clientProperties(),
                            SAMPLE_PER_PARTITION,
                            inputFields,
                            SAMPLE_TIMEOUT));
        }
        List<PassthroughField> kept = new ArrayList<>();
        for (PassthroughField f : fields) {
            if (outputs.contains(f.name()) || METADATA_COLUMNS.contains(f.name())) {
                if (explicit) {
                    throw new ConfigException(
                            "output.passthrough field '"
                                    + f.name()
                                    + "' clashes with a model output or metadata column of that"
                                    + " name: remove it from output.passthrough");
                }
                LOG.warn("Not passing through field '{}': a column of that name exists", f.name());
                continue;
            }
            kept.add(f);
        }
        return kept;
    }

    private static PassthroughField.Type passthroughType(Types.NestedField column) {
        Type.TypeID id = column.type().typeId();
        return switch (id) {
            case STRING -> PassthroughField.Type.STRING;
            case LONG -> PassthroughField.Type.LONG;
            case DOUBLE -> PassthroughField.Type.DOUBLE;
            case BOOLEAN -> PassthroughField.Type.BOOLEAN;
            default ->
                    throw new ConfigException(
                            "existing table column '"
                                    + column.name()
                                    + "' is "
                                    + column.type()
                                    + ", which a passthrough field cannot be (string, long, double,"
                                    + " boolean): set output.passthrough to the fields to copy");
        };
    }

    private static boolean drained(String savepoint) {
        try {
            return Savepoints.allOperatorsFinished(savepoint);
        } catch (RuntimeException e) {
            throw new ConfigException(
                    "execution.state-recovery.path '"
                            + savepoint
                            + "' is not a readable savepoint ("
                            + String.valueOf(e.getCause() == null ? e : e.getCause())
                                    .lines()
                                    .findFirst()
                                    .orElse("")
                            + "): point --resume-from at the path batchscore stop printed",
                    e);
        }
    }

    /**
     * Makes {@code graph} restore {@link #restorePath}: a drained savepoint that the configuration
     * names is dropped (see {@link #restorePath}). Flink's own submission paths re-apply their
     * configured savepoint, so there a drained savepoint restores finished tasks: the job ends at
     * once and the run stays incomplete; the next {@code resume} run reads its range.
     */
    public void applyRestore(StreamGraph graph) {
        if (restorePath == null && settings.execution().resuming()) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.none());
        }
    }

    /** The scoring parallelism: {@code parallelism} if set, else the environment's. */
    public int parallelism(int environmentDefault) {
        Integer parallelism = settings.execution().parallelism();
        return parallelism != null ? parallelism : environmentDefault;
    }
}
