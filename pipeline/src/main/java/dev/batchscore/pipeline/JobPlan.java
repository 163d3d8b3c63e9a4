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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a job, planned: {@link #check} validates the job against the world in three steps that
 * create nothing - the model ({@link ModelProbe}), Kafka ({@link KafkaPreflight}), the tables
 * ({@link TablePlan}) - and {@link ScoringRun#start} claims the pipeline, creates missing tables
 * and plans the run ({@link RunPlanner}). In short: the model was loaded once in the client to
 * learn its outputs, the passthrough columns are known, both Iceberg tables exist with a compatible
 * schema, and the run's positions are fixed. {@link ScoringJob} wires a plan into a Flink job
 * graph.
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
     * A job checked against the world before it starts, with nothing created or claimed: {@link
     * ScoringRun#start} goes on from here.
     *
     * @param settings the settings it was checked with
     * @param spec what the scoring operators need, outputs and passthrough resolved; the run's
     *     pipeline and run ids come with the run
     * @param catalogLoader the Iceberg catalog
     * @param modelVersion the model version the run's lineage names
     */
    public record Checked(
            JobSettings settings,
            ScoringSpec spec,
            CatalogLoader catalogLoader,
            String modelVersion) {}

    /**
     * Checks {@code config} against the world, creating and claiming nothing: the configuration (in
     * {@link JobConfig}), the model (directory, tags, signature, input mapping names), Kafka
     * (brokers answer within {@link #KAFKA_TIMEOUT}, topics exist), the mapping's value types on
     * sampled records, the warehouse (writable), the existing tables (compatible schemas) and the
     * partition spec. Throws {@link ConfigException} or {@link ModelException}, each one line
     * naming what to fix.
     */
    public static Checked check(JobSettings settings) {
        ScoringSpec.Builder builder = specBuilder(settings);
        // Kafka and the tables depend neither on the model nor on each other: each is read on a
        // thread of its own while the model loads (Kafka's round trips leave the cores to the
        // others), and their failures are reported in the steps' order, Kafka's first.
        CompletableFuture<List<byte[]>> sampled =
                CompletableFuture.supplyAsync(
                        () -> KafkaPreflight.sample(settings.source()), JobPlan::planningThread);
        CompletableFuture<Tables> loaded =
                CompletableFuture.supplyAsync(() -> Tables.load(settings), JobPlan::planningThread);
        try {
            // 1. The model: outputs and input fields come from the model itself, so the row type
            // is fixed up front.
            ScoringSpec draft = builder.build();
            MultiModelPlan multi =
                    settings.models().present() ? MultiModelPlan.probe(settings) : null;
            ModelProbe model = multi != null ? multi.championProbe() : ModelProbe.probe(draft);
            builder.outputs(model.outputs());
            // Pinned: for a TF Serving base directory, the version resolved here (the one the
            // lineage names) is what every task loads, on every restart, even once a newer version
            // appears.
            builder.modelPath(model.pinnedPath());
            if (multi != null) {
                builder.models(multi.models())
                        .ensemble(settings.models().ensemble())
                        .onModelFailure(settings.models().onModelFailure());
                multi.checkEnsemble(builder.build());
            }

            // 2. Kafka: brokers, topics, and the mapping against records sampled once.
            builder.format(settings.source().format());
            List<byte[]> samples = join(sampled);
            KafkaPreflight.checkMapping(
                    settings.source(), model.fields(), model.exampleInput(), draft, samples);
            if (multi != null) {
                multi.checkInputs(settings.source(), samples);
            }

            // 3. The tables: checked, not created.
            Tables read = join(loaded);
            TablePlan tables = read.tables();
            builder.passthrough(
                    TablePlan.passthrough(
                            settings.sink(),
                            settings.source().format(),
                            tables.existing(),
                            samples,
                            multi != null ? multi.inputFields() : model.inputFields(),
                            multi != null ? multi.columns(builder.build()) : model.outputNames()));
            tables.check(ScoredRows.scoredRowType(builder.build()));
            return new Checked(
                    settings,
                    builder.build(),
                    read.loader(),
                    multi != null ? multi.version() : model.version());
        } finally {
            // Now, or once the planning thread is done with it if a step before failed.
            loaded.thenAccept(tables -> closeQuietly(tables.catalog()));
        }
    }

    /** Step 3's reads: the warehouse, the catalog and the tables as they are. */
    private record Tables(CatalogLoader loader, Catalog catalog, TablePlan tables) {
        static Tables load(JobSettings settings) {
            SinkSettings sink = settings.sink();
            if (sink.catalogType().needsWarehouse()) {
                // Before the catalog is touched: a Hadoop catalog over an unwritable path fails
                // later with a less telling error, or half way through creating the tables.
                WarehouseProbe.check(sink.warehouse(), sink.catalogProperties());
            }
            CatalogLoader loader = IcebergTables.catalogLoader(sink);
            Catalog catalog = loadCatalog(loader, sink);
            try {
                checkRestorable(settings);
                return new Tables(loader, catalog, loadTables(catalog, sink));
            } catch (RuntimeException e) {
                closeQuietly(catalog);
                throw e;
            }
        }
    }

    /** A daemon thread for one planning step: a failed run must not wait for it to end. */
    private static void planningThread(Runnable step) {
        Thread thread = new Thread(step, "batchscore-planning");
        thread.setDaemon(true);
        thread.start();
    }

    /** The step's result, or its failure as the step threw it. */
    private static <T> T join(CompletableFuture<T> step) {
        try {
            return step.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /**
     * Checks {@code config} and plans its run: claims the pipeline (the caller releases it: {@link
     * ScoringRun#release}) and creates missing tables. For tests and tools that submit the job
     * themselves; a run goes through {@link ScoringRun}.
     */
    public static JobPlan create(JobConfig config) {
        return create(config.settings());
    }

    /** As {@link #create(JobConfig)}, from settings made in code. */
    public static JobPlan create(JobSettings settings) {
        return ScoringRun.plan(check(settings));
    }

    /** The scored and errors tables as they are; a catalog that fails is named in one line. */
    static TablePlan loadTables(Catalog catalog, SinkSettings sink) {
        try {
            return TablePlan.load(catalog, sink);
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            throw unreachable(sink, e);
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

    static Catalog loadCatalog(CatalogLoader loader, SinkSettings sink) {
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
