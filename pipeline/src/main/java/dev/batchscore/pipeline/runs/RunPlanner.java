package dev.batchscore.pipeline.runs;

import static dev.batchscore.pipeline.config.BatchscoreOptions.SOURCE_KAFKA_ON_MISSING_OFFSETS;
import static dev.batchscore.pipeline.config.BatchscoreOptions.SOURCE_KAFKA_ON_TOPIC_RECREATED;

import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.JobSettings;
import dev.batchscore.pipeline.config.SourceSettings;
import dev.batchscore.pipeline.config.StartingOffsets;
import dev.batchscore.pipeline.kafka.KafkaOffsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
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
 *
 * <p>Positions belong to a topic: the run records each topic's Kafka topic id ({@link TopicIds}). A
 * rerun of a run whose topic was deleted and created again since fails; a resume run fails too,
 * unless {@code source.kafka.on-topic-recreated} is {@code earliest}, when it reads that topic from
 * its log start. Rows of runs that read the old topic are not committed positions of the new one.
 */
public final class RunPlanner {
    private static final Logger LOG = LoggerFactory.getLogger(RunPlanner.class);

    public static final String RESUME = "resume";

    /**
     * The run, the positions its source must drop, and the token of its claim on the pipeline
     * (null: there was no table to claim it in yet).
     */
    public record Planned(Run run, CommittedPositions committed, String claimToken) {
        Planned claimedWith(String token) {
            return new Planned(run, committed, token);
        }
    }

    private RunPlanner() {}

    /**
     * Plans the run. When the scored table exists, the run first claims its pipeline in the ledger
     * ({@link RunLedger#claim}, {@code pipeline.claim-timeout}), before it reads the ledger's
     * positions: a second run of the pipeline fails here with {@link RunClaimedException}. The
     * caller releases the claim if the run does not go ahead; this method does if it fails itself
     * after claiming.
     *
     * @param scored the scored table, if it exists (it holds the ledger)
     * @param errors the errors table, if it exists
     * @param resumingFromSavepoint whether the job restores a savepoint or retained checkpoint
     * @param newRunId the run id if this is a new run without {@code pipeline.run-id}
     */
    public static Planned plan(
            JobSettings settings,
            Optional<Table> scored,
            Optional<Table> errors,
            String modelVersion,
            String newRunId) {
        String pipelineId = pipelineId(settings, scored);
        String modelName = settings.model().modelName();
        String signature = settings.model().signature();
        boolean resumingFromSavepoint = settings.execution().resuming();
        SourceSettings config = settings.source();
        Optional<RunLedger> ledger = scored.map(RunLedger::new);
        Optional<String> runId = settings.run().runIdIfSet();
        Optional<Run> earlier =
                earlierRun(pipelineId, ledger, runId, resumingFromSavepoint, /* log */ false);
        // The same plan from either view of the ledger: before the claim, or again after it.
        Function<Optional<Run>, Planned> planFrom =
                continued ->
                        plan(
                                config,
                                ledger,
                                pipelineId,
                                runId,
                                continued,
                                newRunId,
                                scored,
                                errors,
                                modelName,
                                modelVersion,
                                signature);
        if (ledger.isEmpty()) {
            return planFrom.apply(earlier);
        }
        String claimedId = earlier.map(Run::runId).orElse(runId.orElse(newRunId));
        Run claimant =
                new Run(
                        pipelineId,
                        claimedId,
                        "",
                        null,
                        null,
                        modelName,
                        modelVersion,
                        signature,
                        PositionRanges.empty());
        String token =
                ledger.get()
                        .claim(
                                claimant,
                                settings.run().claimTimeout(),
                                settings.run().runIdIsJobId())
                        .token();
        try {
            // Read again now that no other run of the pipeline can commit: the view before the
            // claim may predate a run that ended meanwhile.
            Optional<Run> again =
                    earlierRun(pipelineId, ledger, runId, resumingFromSavepoint, true);
            String id = again.map(Run::runId).orElse(runId.orElse(newRunId));
            if (!id.equals(claimedId)) {
                throw new ConfigException(
                        "pipeline '"
                                + pipelineId
                                + "': its ledger changed while this run claimed it (run "
                                + id
                                + " appeared); run it again");
            }
            return planFrom.apply(again).claimedWith(token);
        } catch (RuntimeException e) {
            if (!settings.run().runIdIsJobId()) { // an adopted claim is its job's, not ours
                ledger.get().release(claimant, token);
            }
            throw e;
        }
    }

    /**
     * The pipeline id the run is kept under: {@code pipeline.id} if set; else the default, {@code
     * <table>:<topics>}, unless {@code scored}'s ledger only knows the earlier default for this
     * table and topics, {@code <table>:<topics>:<model name>}: that pipeline goes on under its id
     * whatever the model is now called, so renaming or replacing the model never rescans the topic.
     * If the ledger knows several such ids (pipelines of several models), the one with this model's
     * name, else none: the user says which with {@code pipeline.id}.
     */
    public static String pipelineId(JobSettings settings, Optional<Table> scored) {
        String id = settings.pipelineId();
        if (settings.run().pipelineIdSet() || scored.isEmpty()) {
            return id;
        }
        Set<String> known = new RunLedger(scored.get()).pipelineIds();
        if (known.contains(id)) {
            return id;
        }
        List<String> earlier = known.stream().filter(k -> k.startsWith(id + ":")).toList();
        String sameModel = id + ":" + settings.model().modelName();
        if (earlier.size() == 1 || earlier.contains(sameModel)) {
            String continued = earlier.size() == 1 ? earlier.get(0) : sameModel;
            LOG.info(
                    "Pipeline {} continues under {}, the id its table's ledger was written with"
                            + " (the earlier default included the model name)",
                    id,
                    continued);
            return continued;
        }
        if (earlier.isEmpty()) {
            return id;
        }
        throw new ConfigException(
                "pipeline.id: the ledger of "
                        + scored.get().name()
                        + " has runs of "
                        + earlier.size()
                        + " pipelines over these topics, named with their models by an earlier"
                        + " default: "
                        + String.join(", ", earlier)
                        + "; set --pipeline.id to the one this job continues");
    }

    /** The run this one continues: the named run id's, or the savepoint's interrupted run. */
    private static Optional<Run> earlierRun(
            String pipelineId,
            Optional<RunLedger> ledger,
            Optional<String> runId,
            boolean resumingFromSavepoint,
            boolean log) {
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
            if (earlier.isEmpty() && log) {
                LOG.warn(
                        "Resuming pipeline {} from a savepoint, but its ledger has no incomplete"
                                + " run: starting a new run id",
                        pipelineId);
            }
        }
        return earlier;
    }

    private static Planned plan(
            SourceSettings config,
            Optional<RunLedger> ledger,
            String pipelineId,
            Optional<String> runId,
            Optional<Run> earlier,
            String newRunId,
            Optional<Table> scored,
            Optional<Table> errors,
            String modelName,
            String modelVersion,
            String signature) {
        StartingOffsets offsets = config.startingOffsets();
        String mode = offsets.toString();
        boolean bounded = config.bounded();
        boolean resuming = offsets.kind() == StartingOffsets.Kind.RESUME;
        boolean planRange =
                resuming || (offsets.kind() == StartingOffsets.Kind.EARLIEST && bounded);
        // Offsets and topic ids, read once: a rerun checks that its topics are still the ones it
        // read; a new resume or bounded earliest run also takes its range from them.
        KafkaOffsets.Range range =
                earlier.isPresent() || planRange
                        ? KafkaOffsets.of(
                                config.bootstrapServers(),
                                config.topics(),
                                config.clientProperties())
                        : null;
        TopicIds topicIds = range == null ? TopicIds.empty() : TopicIds.of(range.topicIds());
        Run run;
        if (earlier.isPresent()) {
            Run e = earlier.get();
            refuseRecreatedTopics(e, topicIds);
            run =
                    new Run(
                            pipelineId,
                            e.runId(),
                            e.startingOffsets(),
                            e.start(),
                            e.end(),
                            modelName,
                            modelVersion,
                            signature,
                            e.missing(),
                            topicIds,
                            e.recreatedFrom());
            LOG.info(
                    "Rerunning run {} of pipeline {}: {} .. {}",
                    e.runId(),
                    pipelineId,
                    e.start(),
                    e.end());
        } else {
            String id = runId.orElse(newRunId);
            SourcePositions start = null;
            SourcePositions end = null;
            PositionRanges missing = PositionRanges.empty();
            TopicIds recreatedFrom = TopicIds.empty();
            if (planRange) {
                end = SourcePositions.of(range.latest());
                if (resuming) {
                    Optional<Run> lastComplete = ledger.flatMap(l -> l.latestComplete(pipelineId));
                    recreatedFrom =
                            recreatedTopics(
                                    pipelineId, lastComplete, topicIds, config.onTopicRecreated());
                    ResumeStart resume =
                            resumeStart(
                                    pipelineId,
                                    lastComplete,
                                    range,
                                    config.onMissingOffsets()
                                            == SourceSettings.OnMissingOffsets.SKIP,
                                    recreatedFrom.topics());
                    start = resume.start();
                    missing = resume.missing();
                } else {
                    start = SourcePositions.of(range.earliest());
                }
            }
            run =
                    new Run(
                            pipelineId,
                            id,
                            mode,
                            start,
                            end,
                            modelName,
                            modelVersion,
                            signature,
                            missing,
                            topicIds,
                            recreatedFrom);
        }

        CommittedPositions committed = CommittedPositions.none();
        boolean exactlyOnceAcrossRuns = run.startingOffsets().equals(RESUME) || earlier.isPresent();
        if (run.explicitPositions() && exactlyOnceAcrossRuns && scored.isPresent()) {
            committed =
                    CommittedPositions.scan(
                            pipelineId,
                            run.start(),
                            run.end(),
                            runsOfOtherTopics(ledger, pipelineId, topicIds),
                            scored.get(),
                            errors.orElse(null));
        } else if (earlier.isPresent() && scored.isPresent()) {
            // Kafka resolved this run's range when its job started: resumed from a savepoint (the
            // same savepoint may be resumed twice) or rerun, it skips what it committed itself.
            committed =
                    CommittedPositions.scanRun(
                            pipelineId, run.runId(), scored.get(), errors.orElse(null));
        }
        LOG.info(
                "Run {} of pipeline {}: {} -> {}, {} records in range, {} already committed",
                run.runId(),
                pipelineId,
                run.start() == null ? mode : run.start(),
                run.end() == null ? "latest at start" : run.end(),
                run.explicitPositions() ? run.start().countUntil(run.end()) : -1,
                committed.size());
        return new Planned(run, committed, null);
    }

    /**
     * Fails a rerun (of a run id, or from a savepoint) of {@code earlier} if a topic it read was
     * deleted and created again since: its positions, and a savepoint's splits, belong to the old
     * topic. A run recorded without topic ids cannot be checked and goes on.
     */
    private static void refuseRecreatedTopics(Run earlier, TopicIds now) {
        for (Map.Entry<String, String> changed : earlier.topicIds().changedIn(now).entrySet()) {
            String topic = changed.getKey();
            throw new ConfigException(
                    "topic '"
                            + topic
                            + "' was deleted and created again since run "
                            + earlier.runId()
                            + " of pipeline '"
                            + earlier.pipelineId()
                            + "' read it (topic id "
                            + changed.getValue()
                            + " then, "
                            + now.get(topic)
                            + " now): that run's positions belong to the old topic, so it cannot"
                            + " be rerun or resumed; nothing was read or written. Start a new run"
                            + " instead (drop --resume-from and pipeline.run-id) with"
                            + " --source.kafka.starting-offsets resume --"
                            + SOURCE_KAFKA_ON_TOPIC_RECREATED.key()
                            + " earliest to score the new topic from its start");
        }
    }

    /**
     * The topics recreated since {@code lastComplete} (topic -> its id then): fails the run unless
     * {@code onRecreated} is {@code earliest}. A last complete run recorded before topic ids leaves
     * every topic unknown, hence unchanged.
     */
    static TopicIds recreatedTopics(
            String pipelineId,
            Optional<Run> lastComplete,
            TopicIds now,
            SourceSettings.OnTopicRecreated onRecreated) {
        if (lastComplete.isEmpty()) {
            return TopicIds.empty();
        }
        Run last = lastComplete.get();
        Map<String, String> changed = last.topicIds().changedIn(now);
        if (!changed.isEmpty() && onRecreated == SourceSettings.OnTopicRecreated.FAIL) {
            String topic = changed.keySet().iterator().next();
            throw new ConfigException(
                    "pipeline '"
                            + pipelineId
                            + "': topic '"
                            + topic
                            + "' was deleted and created again since the last complete run "
                            + last.runId()
                            + " (topic id "
                            + changed.get(topic)
                            + " then, "
                            + now.get(topic)
                            + " now), so the positions recorded for it belong to the old topic;"
                            + " nothing was read or written. To score the new topic from its"
                            + " earliest offset pass --"
                            + SOURCE_KAFKA_ON_TOPIC_RECREATED.key()
                            + " earliest (recorded as "
                            + RunLedger.TOPIC_RECREATED
                            + " in the run's lineage)");
        }
        changed.forEach(
                (topic, oldId) ->
                        LOG.warn(
                                "Pipeline {}: topic {} was recreated (id {} -> {}); reading it from"
                                        + " its earliest offset ({} is earliest)",
                                pipelineId,
                                topic,
                                oldId,
                                now.get(topic),
                                SOURCE_KAFKA_ON_TOPIC_RECREATED.key()));
        return TopicIds.of(changed);
    }

    /**
     * Per topic, the runs of {@code pipelineId} that recorded another id for it than {@code now}'s:
     * they read an earlier topic of that name, so their rows say nothing about which positions of
     * the topic read now were committed. Runs recorded without topic ids are not listed (unknown).
     */
    static Map<String, Set<String>> runsOfOtherTopics(
            Optional<RunLedger> ledger, String pipelineId, TopicIds now) {
        Map<String, Set<String>> runs = new HashMap<>();
        if (ledger.isEmpty() || now.isEmpty()) {
            return runs;
        }
        for (Run run : ledger.get().runs(pipelineId)) {
            for (String topic : run.topicIds().changedIn(now).keySet()) {
                runs.computeIfAbsent(topic, t -> new HashSet<>()).add(run.runId());
            }
        }
        return runs;
    }

    /** Where a {@code resume} run starts, and what it misses because Kafka deleted it. */
    record ResumeStart(SourcePositions start, PositionRanges missing) {}

    /**
     * Where a {@code resume} run starts: the last complete run's end, else the log start. Offsets
     * between the last complete run's end and a log start above it were deleted (by retention)
     * before this pipeline read them: unless {@code skipMissing}, that fails the run here, before
     * the tables are touched; with it the run starts at the log start and the range is returned to
     * be recorded in the run's lineage.
     */
    static ResumeStart resumeStart(
            String pipelineId,
            Optional<Run> lastComplete,
            KafkaOffsets.Range range,
            boolean skipMissing) {
        return resumeStart(pipelineId, lastComplete, range, skipMissing, Set.of());
    }

    /**
     * As above; the topics in {@code recreated} were created again since the last complete run, so
     * its positions do not apply to them: they are read from their log start.
     */
    static ResumeStart resumeStart(
            String pipelineId,
            Optional<Run> lastComplete,
            KafkaOffsets.Range range,
            boolean skipMissing,
            Set<String> recreated) {
        Map<TopicPartition, Long> start = new HashMap<>();
        Map<TopicPartition, PositionRanges.Range> missing = new HashMap<>();
        for (Map.Entry<TopicPartition, Long> e : range.latest().entrySet()) {
            TopicPartition tp = e.getKey();
            long logStart = range.earliest().get(tp);
            Long previous =
                    recreated.contains(tp.topic())
                            ? null
                            : lastComplete.map(r -> r.end().get(tp)).orElse(null);
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
                                + "; the topic was truncated (or recreated before this pipeline"
                                + " recorded topic ids). Set a new pipeline.id to start over from"
                                + " the beginning of the topic");
            }
            if (s < logStart) {
                missing.put(tp, new PositionRanges.Range(s, logStart));
                s = logStart;
            }
            start.put(tp, s);
        }
        PositionRanges gaps = PositionRanges.of(missing);
        if (!gaps.isEmpty()) {
            if (!skipMissing) {
                throw new ConfigException(
                        "Kafka no longer has "
                                + gaps.count()
                                + " records that pipeline '"
                                + pipelineId
                                + "' has not read (deleted, e.g. by retention, after the last"
                                + " complete run): "
                                + gaps.describe()
                                + "; nothing was written. To go on without them pass --"
                                + SOURCE_KAFKA_ON_MISSING_OFFSETS.key()
                                + " skip (the run scores what Kafka still has and records the gap"
                                + " as "
                                + RunLedger.MISSING_POSITIONS
                                + " in its lineage); to avoid gaps, run more often than the"
                                + " topic's retention");
            }
            LOG.warn(
                    "Pipeline {}: skipping {} records Kafka no longer has ({} is skip): {}",
                    pipelineId,
                    gaps.count(),
                    SOURCE_KAFKA_ON_MISSING_OFFSETS.key(),
                    gaps.describe());
        }
        return new ResumeStart(SourcePositions.of(start), gaps);
    }
}
