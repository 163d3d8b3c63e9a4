package dev.batchscore.pipeline;

import dev.batchscore.operators.BadRecordsException;
import dev.batchscore.operators.ErrorPolicy;
import dev.batchscore.operators.ScoringFunction;
import java.util.Locale;
import org.apache.flink.api.common.JobExecutionResult;

/**
 * What the scoring operators counted in a run, from the job's accumulators (summed over subtasks):
 * every record read is scored, dead-lettered or skipped, so {@code scored + deadLettered + skipped
 * == read}.
 *
 * <p>Accumulators belong to the final execution attempt: after a restart from a checkpoint they
 * count the records read since the restore, not those committed before it. The Iceberg tables are
 * the record of what was committed; these counts are the record of what the operators saw.
 */
public record RunCounts(long read, long scored, long deadLettered, long skipped) {

    /** The counts in {@code result}; zeros where an accumulator is absent (e.g. a detached run). */
    public static RunCounts of(JobExecutionResult result) {
        return new RunCounts(
                count(result, ScoringFunction.ACC_READ),
                count(result, ScoringFunction.ACC_SCORED),
                count(result, ScoringFunction.ACC_DEAD_LETTERED),
                count(result, ScoringFunction.ACC_SKIPPED));
    }

    /**
     * Records the {@code score} operator dropped because the pipeline had already committed them
     * (micro-batches restored from a savepoint that an earlier resume of it committed); not part of
     * read = scored + dead-lettered + skipped.
     */
    public static long alreadyCommitted(JobExecutionResult result) {
        return count(result, ScoringFunction.ACC_ALREADY_COMMITTED);
    }

    private static long count(JobExecutionResult result, String name) {
        Object value = result.getAccumulatorResult(name);
        return value instanceof Number n ? n.longValue() : 0;
    }

    public long bad() {
        return deadLettered + skipped;
    }

    /** {@code read 430 records: 400 scored, 30 dead-lettered, 0 skipped}. */
    public String summary() {
        return String.format(
                Locale.ROOT,
                "read %,d records: %,d scored, %,d dead-lettered, %,d skipped",
                read,
                scored,
                deadLettered,
                skipped);
    }

    /**
     * The end-of-input half of {@code errors.max-ratio}: the run's total share of bad records,
     * without the per-subtask minimum (the count is complete now). The scoring subtasks check their
     * own shares while the job runs; a share that only the total shows (bad records spread thinly,
     * or a subtask that never reached errors.min-records) is caught here, after the rows were
     * committed, so the run fails but keeps its output.
     */
    public void checkMaxRatio(ErrorPolicy policy) {
        if (policy.maxRatio() < 1.0 && read > 0 && bad() > policy.maxRatio() * read) {
            throw new BadRecordsException(
                    String.format(
                            Locale.ROOT,
                            "errors.max-ratio exceeded: %d of the %d records the run read were bad"
                                    + " (%.3f > %s); the rows are committed, but check"
                                    + " source.kafka.topic and the producer, or raise"
                                    + " errors.max-ratio",
                            bad(),
                            read,
                            bad() / (double) read,
                            policy.maxRatio()));
        }
    }
}
