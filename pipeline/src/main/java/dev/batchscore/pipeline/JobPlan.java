package dev.batchscore.pipeline;

import dev.batchscore.models.ModelException;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.operators.ScoringSpec;
import dev.batchscore.pipeline.config.BatchSettings;
import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.ErrorSettings;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.config.JobSettings;
import dev.batchscore.pipeline.config.ModelSettings;
import dev.batchscore.pipeline.config.SinkSettings;
import dev.batchscore.pipeline.iceberg.IcebergTables;
import dev.batchscore.pipeline.iceberg.WarehouseProbe;
import dev.batchscore.pipeline.runs.CommittedPositions;
import dev.batchscore.pipeline.runs.Run;
import dev.batchscore.pipeline.runs.RunLedger;
import dev.batchscore.pipeline.runs.RunPlanner;
import dev.batchscore.pipeline.runs.Savepoints;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A job validated against the world before it starts, in four steps that each create nothing: the
 * model ({@link ModelProbe}), Kafka ({@link KafkaPreflight}), the tables ({@link TablePlan}) and
 * the run ({@link RunPlanner}). In short: the model was loaded once in the client to learn its
 * outputs, the passthrough columns are known, and both Iceberg tables exist with a compatible
 * schema. {@link ScoringJob} wires a plan into a Flink job graph.
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
 * @param claimToken the token of the run's claim on its pipeline ({@link RunLedger#claim}): the
 *     job's commits are fenced on it and only it releases the claim
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
        String claimToken) {

    private static final Logger LOG = LoggerFactory.getLogger(JobPlan.class);

    /** How long the pre-flight check waits for a Kafka broker to answer. */
    public static final Duration KAFKA_TIMEOUT = KafkaPreflight.KAFKA_TIMEOUT;

    /**
     * This plan scoring with {@code newSpec} (e.g. the bench's identity scoring): same run, tables
     * and row types, so the new spec must lay out the same rows.
     */
    public JobPlan withSpec(ScoringSpec newSpec) {
        if (!ScoredRows.scoredRowType(newSpec).equals(ScoredRows.scoredRowType(spec))) {
            throw new IllegalArgumentException(
                    "JobPlan.withSpec: the new spec changes the scored rows' layout");
        }
        return new JobPlan(
                settings,
                newSpec,
                catalogLoader,
                table,
                errorsTable,
                scoredRowType,
                errorRowType,
                run,
                committed,
                claimToken);
    }

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
        ScoringSpec.Builder builder = specBuilder(settings);

        // 1. The model: outputs and input fields come from the model itself, so the row type is
        // fixed up front.
        ScoringSpec draft = builder.build();
        MultiModelPlan multi = settings.models().present() ? MultiModelPlan.probe(settings) : null;
        ModelProbe model = multi != null ? multi.championProbe() : ModelProbe.probe(draft);
        builder.outputs(model.outputs());
        // Pinned: for a TF Serving base directory, the version resolved here (the one the lineage
        // names) is what every task loads, on every restart, even once a newer version appears.
        builder.modelPath(model.pinnedPath());
        if (multi != null) {
            builder.models(multi.models())
                    .ensemble(settings.models().ensemble())
                    .onModelFailure(settings.models().onModelFailure());
            multi.checkEnsemble(builder.build());
        }

        // 2. Kafka: brokers, topics, and the mapping against records sampled once.
        builder.format(settings.source().format());
        List<byte[]> samples =
                KafkaPreflight.check(
                        settings.source(), model.fields(), model.exampleInput(), draft);
        if (multi != null) {
            multi.checkInputs(settings.source(), samples);
        }

        // 3. The tables: checked, not yet created.
        SinkSettings sink = settings.sink();
        if (sink.catalogType().needsWarehouse()) {
            // Before the catalog is touched: a Hadoop catalog over an unwritable path fails later
            // with a less telling error, or half way through creating the tables.
            WarehouseProbe.check(sink.warehouse(), sink.catalogProperties());
        }
        CatalogLoader loader = IcebergTables.catalogLoader(sink);
        Catalog catalog = loadCatalog(loader, sink);
        RunPlanner.Planned planned = null;
        Optional<Table> claimedIn = Optional.empty();
        try {
            checkRestorable(settings);
            TablePlan tables;
            try {
                tables = TablePlan.load(catalog, sink);
            } catch (ConfigException e) {
                throw e;
            } catch (RuntimeException e) {
                throw unreachable(sink, e);
            }
            // Every check that can fail, for both tables, before the pipeline is claimed or either
            // table is created or changed. The row types do not depend on the run.
            builder.passthrough(
                    TablePlan.passthrough(
                            sink,
                            settings.source().format(),
                            tables.existing(),
                            samples,
                            multi != null ? multi.inputFields() : model.inputFields(),
                            multi != null ? multi.columns(builder.build()) : model.outputNames()));
            tables = tables.check(ScoredRows.scoredRowType(builder.build()));

            // 4. The run: which run this is and what it reads; claims the pipeline.
            String newRunId = UUID.randomUUID().toString();
            claimedIn = tables.existing();
            planned =
                    RunPlanner.plan(
                            settings,
                            tables.existing(),
                            tables.existingErrors(),
                            multi != null ? multi.version() : model.version(),
                            newRunId);
            TablePlan created = tables.ensure(catalog);
            if (tables.existing().isEmpty()) {
                // There was no table to claim the pipeline in: claim it now and plan again, since
                // another run may have created the table and run meanwhile.
                RunPlanner.Planned again =
                        RunPlanner.plan(
                                settings,
                                created.existing(),
                                created.existingErrors(),
                                multi != null ? multi.version() : model.version(),
                                newRunId);
                claimedIn = created.existing();
                boolean sameRun = again.run().runId().equals(planned.run().runId());
                planned = again;
                if (!sameRun) {
                    throw new ConfigException(
                            "pipeline '"
                                    + again.run().pipelineId()
                                    + "': another run created its table meanwhile; run it again");
                }
            }
            builder.pipelineId(planned.run().pipelineId()).runId(planned.run().runId());
            ScoringSpec spec = builder.build();
            LOG.info(
                    "Planned job: {} -> {} (errors to {})",
                    spec,
                    tables.table(),
                    tables.errorsTable());
            return new JobPlan(
                    settings,
                    spec,
                    loader,
                    tables.table(),
                    tables.errorsTable(),
                    tables.scoredRowType(),
                    tables.errorRowType(),
                    planned.run(),
                    planned.committed(),
                    planned.claimToken());
        } catch (RuntimeException e) {
            if (planned != null && claimedIn.isPresent() && !settings.run().runIdIsJobId()) {
                // This run claimed its pipeline but does not go ahead.
                new RunLedger(claimedIn.get()).release(planned.run(), planned.claimToken());
            }
            throw e;
        } finally {
            closeQuietly(catalog);
        }
    }

    /** Closes a catalog the client loaded for planning or the ledger; a failure is only logged. */
    static void closeQuietly(Catalog catalog) {
        if (catalog instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debug("Closing the catalog failed", e);
            }
        }
    }

    /** What the scoring operators need from the settings; outputs and run come later. */
    static ScoringSpec.Builder specBuilder(JobSettings settings) {
        return specBuilder(settings.model(), settings.batch(), settings.errors());
    }

    static ScoringSpec.Builder specBuilder(
            ModelSettings model, BatchSettings batch, ErrorSettings errors) {
        return ScoringSpec.builder()
                .modelPath(model.path())
                .modelLocalDir(model.localDir())
                .tags(model.tags())
                .signature(model.signature())
                .inputMapping(model.inputMapping())
                .intraOpThreads(model.intraOpThreads())
                .interOpThreads(model.interOpThreads())
                .batchSize(batch.size())
                .maxDelay(batch.maxDelay())
                .buckets(batch.buckets())
                .errorPolicy(errors.policy())
                .modelName(model.modelName());
    }

    private static Catalog loadCatalog(CatalogLoader loader, SinkSettings sink) {
        try {
            return loader.loadCatalog();
        } catch (RuntimeException e) {
            throw unreachable(sink, e);
        }
    }

    private static ConfigException unreachable(SinkSettings sink, RuntimeException e) {
        return new ConfigException(
                "the Iceberg catalog ("
                        + sink.catalogType()
                        + " at "
                        + sink.location()
                        + ") cannot be reached: "
                        + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
                        + "; check sink.iceberg.catalog.*",
                e);
    }

    /**
     * Fails planning in one line when the savepoint to resume from cannot be read, before anything
     * is claimed or created. (A savepoint of a stop with {@code --drain} restores like any other on
     * Flink 2.1: its operators are not marked finished, so the resumed job reads on from it.)
     */
    private static void checkRestorable(JobSettings settings) {
        String savepoint = settings.execution().stateRecoveryPath();
        if (savepoint == null) {
            return;
        }
        try {
            Savepoints.metadata(savepoint);
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

    /** The scoring parallelism: {@code parallelism} if set, else the environment's. */
    public int parallelism(int environmentDefault) {
        Integer parallelism = settings.execution().parallelism();
        return parallelism != null ? parallelism : environmentDefault;
    }
}
