package dev.batchscore.pipeline.runs;

import static dev.batchscore.pipeline.BatchscoreOptions.*;

import dev.batchscore.pipeline.ConfigException;
import dev.batchscore.pipeline.JobConfig;
import dev.batchscore.pipeline.kafka.KafkaOffsets;
import dev.batchscore.pipeline.kafka.KafkaSources;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.iceberg.Table;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, in the client and before the job is submitted, which run this is and what it reads.
 *
 * <ul>
 *   <li>{@code pipeline.run-id} names a run the ledger knows: a rerun of that schedule slot, with
 *       the same positions; what it already committed is skipped.
 *   <li>Resuming from a savepoint: the latest started-but-incomplete run of the pipeline, same id
 *       and positions (the Kafka splits in the savepoint carry that run's stopping offsets).
 *   <li>Otherwise a new run. With {@code starting-offsets: resume} it reads exactly from the end of
 *       the pipeline's latest complete run (earliest for partitions that run did not know) to the
 *       latest offsets now, minus the positions the pipeline already committed there (left by
 *       crashed or stopped runs since).
 * </ul>
 */
public final class RunPlanner {
    private static final Logger LOG = LoggerFactory.getLogger(RunPlanner.class);

    public static final String RESUME = "resume";

    /** The run and the positions its source must drop. */
    public record Planned(Run run, CommittedPositions committed) {}

    private RunPlanner() {}

    /** {@code <table>:<topic>[+<topic>...]:<model name>}: stable across runs of one job config. */
    public static String defaultPipelineId(JobConfig config, String modelName) {
        return config.table()
                + ":"
                + String.join("+", new TreeSet<>(config.get(SOURCE_KAFKA_TOPIC)))
                + ":"
                + modelName;
    }

    public static String pipelineId(JobConfig config, String modelName) {
        return config.getOptional(PIPELINE_ID)
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .orElseGet(() -> defaultPipelineId(config, modelName));
    }

    /**
     * Plans the run.
     *
     * @param scored the scored table, if it exists (it holds the ledger)
     * @param errors the errors table, if it exists
     * @param resumingFromSavepoint whether the job restores a savepoint or retained checkpoint
     */
    public static Planned plan(
            JobConfig config,
            Optional<Table> scored,
            Optional<Table> errors,
            String modelName,
            String modelVersion,
            String signature,
            boolean resumingFromSavepoint) {
        String pipelineId = pipelineId(config, modelName);
        String mode = config.get(SOURCE_KAFKA_STARTING_OFFSETS).trim().toLowerCase(Locale.ROOT);
        Optional<RunLedger> ledger = scored.map(RunLedger::new);
        Optional<String> runId =
                config.getOptional(PIPELINE_RUN_ID).map(String::trim).filter(s -> !s.isEmpty());

        Optional<Run> earlier = Optional.empty();
        if (runId.isPresent() && ledger.isPresent()) {
            earlier = ledger.get().find(pipelineId, runId.get());
        } else if (resumingFromSavepoint && ledger.isPresent()) {
            earlier = ledger.get().latestIncomplete(pipelineId);
            if (earlier.isEmpty() && ledger.get().hasCompleteRun(pipelineId)) {
                // The savepoint's splits would re-read a range that later runs committed, and the
                // client cannot see that range to skip it.
                throw new ConfigException(
                        "execution.state-recovery.path: pipeline '"
                                + pipelineId
                                + "' has no interrupted run to resume (its latest run completed),"
                                + " so this savepoint belongs to a superseded run; drop"
                                + " --resume-from and start a new run (starting-offsets: resume"
                                + " continues after the last complete run)");
            }
            if (earlier.isEmpty()) {
                LOG.warn(
                        "Resuming pipeline {} from a savepoint, but its ledger has no incomplete"
                                + " run: starting a new run id",
                        pipelineId);
            }
        }
        Run run;
        if (earlier.isPresent()) {
            Run e = earlier.get();
            run =
                    new Run(
                            pipelineId,
                            e.runId(),
                            e.startingOffsets(),
                            e.start(),
                            e.end(),
                            modelName,
                            modelVersion,
                            signature);
            LOG.info(
                    "Rerunning run {} of pipeline {}: {} .. {}",
                    e.runId(),
                    pipelineId,
                    e.start(),
                    e.end());
        } else {
            String id = runId.orElseGet(() -> UUID.randomUUID().toString());
            SourcePositions start = null;
            SourcePositions end = null;
            boolean bounded = config.get(SOURCE_KAFKA_BOUNDED);
            if (mode.equals(RESUME) || (mode.equals("earliest") && bounded)) {
                KafkaOffsets.Range range =
                        KafkaOffsets.of(
                                config.get(SOURCE_KAFKA_BOOTSTRAP_SERVERS),
                                config.get(SOURCE_KAFKA_TOPIC),
                                KafkaSources.clientProperties(config));
                end = range.latest();
                start =
                        mode.equals(RESUME)
                                ? resumeStart(
                                        pipelineId,
                                        ledger.flatMap(l -> l.latestComplete(pipelineId)),
                                        range)
                                : range.earliest();
            }
            run = new Run(pipelineId, id, mode, start, end, modelName, modelVersion, signature);
        }

        CommittedPositions committed = CommittedPositions.none();
        boolean exactlyOnceAcrossRuns = run.startingOffsets().equals(RESUME) || earlier.isPresent();
        if (run.explicitPositions() && exactlyOnceAcrossRuns && scored.isPresent()) {
            committed =
                    CommittedPositions.scan(
                            pipelineId, run.start(), run.end(), scored.get(), errors.orElse(null));
        }
        LOG.info(
                "Run {} of pipeline {}: {} -> {}, {} records in range, {} already committed",
                run.runId(),
                pipelineId,
                run.start() == null ? mode : run.start(),
                run.end() == null ? "latest at start" : run.end(),
                run.explicitPositions() ? run.start().countUntil(run.end()) : -1,
                committed.size());
        return new Planned(run, committed);
    }

    /** Where a {@code resume} run starts: the last complete run's end, else the log start. */
    static SourcePositions resumeStart(
            String pipelineId, Optional<Run> lastComplete, KafkaOffsets.Range range) {
        Map<TopicPartition, Long> start = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> e : range.latest().asMap().entrySet()) {
            TopicPartition tp = e.getKey();
            long logStart = range.earliest().get(tp);
            Long previous = lastComplete.map(r -> r.end().get(tp)).orElse(null);
            long s = previous == null ? logStart : previous;
            if (s > e.getValue()) {
                throw new ConfigException(
                        "pipeline.id '"
                                + pipelineId
                                + "': partition "
                                + tp
                                + " ends at offset "
                                + e.getValue()
                                + " but the last complete run read it up to "
                                + s
                                + "; the topic was recreated or truncated. Set a new pipeline.id"
                                + " to start over from the beginning of the topic");
            }
            if (s < logStart) {
                LOG.warn(
                        "Partition {}: offsets {} to {} were deleted by retention before pipeline {}"
                                + " read them",
                        tp,
                        s,
                        logStart - 1,
                        pipelineId);
                s = logStart;
            }
            start.put(tp, s);
        }
        return SourcePositions.of(start);
    }
}
