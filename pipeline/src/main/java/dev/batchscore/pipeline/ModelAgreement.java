package dev.batchscore.pipeline;

import dev.batchscore.operators.ScoringSpec;
import dev.batchscore.operators.ShadowAgreement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.JobExecutionResult;

/**
 * The run summary's champion/shadow lines: for every shadow model, its agreement with the champion
 * over every row both scored (not a sample) and its failures, counted apart from the run's bad
 * records. Read from the job's accumulators, so, as {@link RunCounts}, they cover the final
 * execution attempt.
 *
 * @param shadow the shadow model
 * @param champion the champion it is compared with
 * @param regression mean absolute difference (true) or share of equal labels (false)
 * @param value the mean absolute difference or share; NaN when no row was scored by both
 * @param rows the rows both models scored
 * @param failed the records the shadow could not score
 */
public record ModelAgreement(
        String shadow, String champion, boolean regression, double value, long rows, long failed) {

    /** One per shadow model of {@code spec} with a comparable scalar output. */
    public static List<ModelAgreement> of(JobExecutionResult result, ScoringSpec spec) {
        List<ModelAgreement> out = new ArrayList<>();
        for (ShadowAgreement a : ShadowAgreement.of(spec)) {
            long rows = number(result, a.rowsAccumulator()).longValue();
            double sum = number(result, a.sumAccumulator()).doubleValue();
            out.add(
                    new ModelAgreement(
                            a.shadow(),
                            a.champion(),
                            a.regression(),
                            ShadowAgreement.value(sum, rows),
                            rows,
                            number(result, ShadowAgreement.failedAccumulator(a.shadow()))
                                    .longValue()));
        }
        return out;
    }

    /**
     * {@code shadow 'b' vs champion 'a': mean absolute difference 0.0123 over 1,000 rows; 3
     * failed}.
     */
    public String summary() {
        return String.format(
                Locale.ROOT,
                "shadow '%s' vs champion '%s': %s %.6g over %,d rows; %,d records the shadow"
                        + " could not score",
                shadow,
                champion,
                regression ? "mean absolute difference" : "share of equal labels",
                value,
                rows,
                failed);
    }

    private static Number number(JobExecutionResult result, String name) {
        Object v = result.getAccumulatorResult(name);
        return v instanceof Number n ? n : 0;
    }
}
