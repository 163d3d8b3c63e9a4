package dev.batchscore.pipeline.config;

import static dev.batchscore.pipeline.config.BatchscoreOptions.*;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The {@code pipeline.*} options: who writes (the pipeline id the ledger and the claim are kept
 * under) and which run this is.
 *
 * @param pipelineId the pipeline id, or null for {@link #pipelineId(SinkSettings,
 *     SourceSettings)}'s default
 * @param runId the run id, or null for a new one (or the interrupted run's, when resuming)
 * @param claimTimeout how long a claim whose holder stopped renewing it holds
 * @param runIdIsJobId the run id is Flink's fixed job id ({@link JobConfig#withFixedJobId}): Flink
 *     runs at most one job under it, so a claim the run already holds is its own job's
 */
public record RunSettings(
        String pipelineId, String runId, Duration claimTimeout, boolean runIdIsJobId) {

    public RunSettings {
        Objects.requireNonNull(claimTimeout, PIPELINE_CLAIM_TIMEOUT.key());
        pipelineId = blankToNull(pipelineId);
        runId = blankToNull(runId);
    }

    public static RunSettings defaults() {
        return new RunSettings(null, null, PIPELINE_CLAIM_TIMEOUT.defaultValue(), false);
    }

    static RunSettings from(JobConfig config) {
        return new RunSettings(
                config.getOptional(PIPELINE_ID).orElse(null),
                config.getOptional(PIPELINE_RUN_ID).orElse(null),
                config.get(PIPELINE_CLAIM_TIMEOUT),
                config.runIdIsFixedJobId());
    }

    public RunSettings withPipelineId(String id) {
        return new RunSettings(id, runId, claimTimeout, runIdIsJobId);
    }

    public RunSettings withRunId(String id) {
        return new RunSettings(pipelineId, id, claimTimeout, false);
    }

    public RunSettings withClaimTimeout(Duration timeout) {
        return new RunSettings(pipelineId, runId, timeout, runIdIsJobId);
    }

    public Optional<String> runIdIfSet() {
        return Optional.ofNullable(runId);
    }

    /**
     * {@code pipeline.id}, else {@code <table>:<topic>[+<topic>...]}: a pipeline is its source and
     * its table, so a new model (or a renamed model directory) continues it. Ledgers written before
     * this default (which ended in {@code :<model name>}) are found by {@code
     * RunPlanner.pipelineId}.
     */
    public String pipelineId(SinkSettings sink, SourceSettings source) {
        if (pipelineId != null) {
            return pipelineId;
        }
        List<String> topics = List.copyOf(new TreeSet<>(source.topics()));
        return sink.table() + ":" + String.join("+", topics);
    }

    /** Whether {@code pipeline.id} was set (not the default). */
    public boolean pipelineIdSet() {
        return pipelineId != null;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
