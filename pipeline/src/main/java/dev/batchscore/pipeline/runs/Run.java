package dev.batchscore.pipeline.runs;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One run of a pipeline: what it reads and with which model. Every snapshot the run commits carries
 * {@link #lineage()} in its summary.
 *
 * @param pipelineId {@code pipeline.id}: who writes; positions are kept per pipeline
 * @param runId {@code pipeline.run-id}, or a UUID; the same for a run resumed from a savepoint
 * @param startingOffsets the {@code source.kafka.starting-offsets} the run was planned with
 * @param start the first position read per partition, or {@code null} when Kafka resolves it when
 *     the job starts (earliest, latest, committed, timestamp)
 * @param end the position the bounded run stops before, per partition; {@code null} when unbounded
 *     or resolved by Kafka when the job starts
 * @param model the {@code _model} name
 * @param modelVersion the {@code _model_version} the client saw when planning
 * @param modelSignature the signature scored with
 * @param missing offsets the run should have read that Kafka no longer had (deleted by retention),
 *     skipped because {@code source.kafka.on-missing-offsets} is {@code skip}; empty otherwise
 * @param topicIds the Kafka topic id of each topic when the run was planned: its positions belong
 *     to those topics; empty for runs recorded before topic ids (their identity is unknown)
 * @param recreatedFrom per topic read from its earliest offset because it was recreated since the
 *     last complete run ({@code source.kafka.on-topic-recreated: earliest}), the id it had then
 */
public record Run(
        String pipelineId,
        String runId,
        String startingOffsets,
        SourcePositions start,
        SourcePositions end,
        String model,
        String modelVersion,
        String modelSignature,
        PositionRanges missing,
        TopicIds topicIds,
        TopicIds recreatedFrom)
        implements Serializable {

    public Run {
        Objects.requireNonNull(pipelineId, "pipelineId");
        Objects.requireNonNull(runId, "runId");
        missing = missing == null ? PositionRanges.empty() : missing;
        topicIds = topicIds == null ? TopicIds.empty() : topicIds;
        recreatedFrom = recreatedFrom == null ? TopicIds.empty() : recreatedFrom;
    }

    /** A run whose topics' identity is not known (nor recreated). */
    public Run(
            String pipelineId,
            String runId,
            String startingOffsets,
            SourcePositions start,
            SourcePositions end,
            String model,
            String modelVersion,
            String modelSignature,
            PositionRanges missing) {
        this(
                pipelineId,
                runId,
                startingOffsets,
                start,
                end,
                model,
                modelVersion,
                modelSignature,
                missing,
                TopicIds.empty(),
                TopicIds.empty());
    }

    /**
     * A {@code resume} run known only by its id and where it ended, as the ledger keeps a
     * pipeline's last complete run.
     */
    static Run ended(String pipelineId, String runId, SourcePositions end) {
        return new Run(
                pipelineId, runId, "resume", null, end, null, null, null, PositionRanges.empty());
    }

    /** Whether the run reads exactly {@link #start} to {@link #end}. */
    public boolean explicitPositions() {
        return start != null && end != null;
    }

    /** The snapshot summary properties every commit of this run carries. */
    public Map<String, String> lineage() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put(RunLedger.PIPELINE_ID, pipelineId);
        props.put(RunLedger.RUN_ID, runId);
        props.put(RunLedger.MODEL, model);
        props.put(RunLedger.MODEL_VERSION, modelVersion);
        props.put(RunLedger.MODEL_SIGNATURE, modelSignature);
        props.put(RunLedger.STARTING_OFFSETS, startingOffsets);
        props.put(RunLedger.START_POSITIONS, start == null ? startingOffsets : start.format());
        props.put(RunLedger.END_POSITIONS, end == null ? "latest-at-start" : end.format());
        if (!missing.isEmpty()) {
            props.put(RunLedger.MISSING_POSITIONS, missing.format());
        }
        if (!topicIds.isEmpty()) {
            props.put(RunLedger.TOPIC_IDS, topicIds.format());
        }
        if (!recreatedFrom.isEmpty()) {
            props.put(RunLedger.TOPIC_RECREATED, recreations());
        }
        props.values().removeIf(Objects::isNull);
        return props;
    }

    /** Reads a run back from a snapshot summary written with {@link #lineage()}. */
    static Run fromSummary(Map<String, String> summary) {
        String start = summary.get(RunLedger.START_POSITIONS);
        String end = summary.get(RunLedger.END_POSITIONS);
        String mode = summary.getOrDefault(RunLedger.STARTING_OFFSETS, "");
        return new Run(
                summary.get(RunLedger.PIPELINE_ID),
                summary.get(RunLedger.RUN_ID),
                mode,
                start == null || start.equals(mode) ? null : SourcePositions.parse(start),
                end == null || end.equals("latest-at-start") ? null : SourcePositions.parse(end),
                summary.get(RunLedger.MODEL),
                summary.get(RunLedger.MODEL_VERSION),
                summary.get(RunLedger.MODEL_SIGNATURE),
                PositionRanges.parse(summary.get(RunLedger.MISSING_POSITIONS)),
                TopicIds.parse(summary.get(RunLedger.TOPIC_IDS)),
                recreatedFrom(summary.get(RunLedger.TOPIC_RECREATED)));
    }

    /** {@code topic old-id -> new-id, ...}: the {@link RunLedger#TOPIC_RECREATED} value. */
    private String recreations() {
        StringBuilder text = new StringBuilder();
        for (String topic : recreatedFrom.topics()) {
            if (text.length() > 0) {
                text.append(", ");
            }
            text.append(topic)
                    .append(' ')
                    .append(recreatedFrom.get(topic))
                    .append(" -> ")
                    .append(topicIds.get(topic));
        }
        return text.toString();
    }

    private static TopicIds recreatedFrom(String recreations) {
        Map<String, String> old = new LinkedHashMap<>();
        if (recreations != null && !recreations.isBlank()) {
            for (String entry : recreations.split(",")) {
                String[] words = entry.trim().split(" ");
                if (words.length == 4) {
                    old.put(words[0], words[1]);
                }
            }
        }
        return TopicIds.of(old);
    }
}
