package dev.batchscore.operators;

import dev.batchscore.models.DType;
import dev.batchscore.models.TensorSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * How one shadow model is compared with the champion: one scalar output of each, over every row
 * both scored. A floating-point output is a regression, compared by the mean absolute difference;
 * any other (int, long, string, bool) is a label, compared by the share of equal labels.
 *
 * <p>The champion is the first champion model in name order. The output compared is {@code
 * ensemble.inputs} when set, else the first champion output the shadow also has (by key), else the
 * two models' first outputs.
 *
 * @param shadow the shadow model's name
 * @param champion the champion model's name
 * @param championOutput the champion's output key compared
 * @param shadowOutput the shadow's output key compared
 * @param regression mean absolute difference (true) or share of equal labels (false)
 */
public record ShadowAgreement(
        String shadow,
        String champion,
        String championOutput,
        String shadowOutput,
        boolean regression)
        implements Serializable {

    /** Accumulator prefix: {@code <prefix><shadow>.rows} and {@code <prefix><shadow>.sum}. */
    public static final String ACC_PREFIX = "batchscore.agreement.";

    /** Rows both models scored. */
    public String rowsAccumulator() {
        return ACC_PREFIX + shadow + ".rows";
    }

    /** The sum of absolute differences (regression) or of equal labels (classifier). */
    public String sumAccumulator() {
        return ACC_PREFIX + shadow + ".sum";
    }

    /**
     * Accumulator: records the shadow could not score (counted apart from the run's bad records).
     */
    public static String failedAccumulator(String shadow) {
        return "batchscore.shadowFailed." + shadow;
    }

    /** The comparisons a spec's shadow models get; scalar outputs only. */
    public static List<ShadowAgreement> of(ScoringSpec spec) {
        List<ShadowAgreement> out = new ArrayList<>();
        List<NamedModel> champions = Ensemble.champions(spec.models());
        if (champions.isEmpty()) {
            return out;
        }
        NamedModel champion = champions.get(0);
        String wanted = spec.ensemble() == null ? null : spec.ensemble().inputKey(spec.models());
        for (NamedModel m : spec.models()) {
            if (!m.shadow()) {
                continue;
            }
            TensorSpec c = null;
            TensorSpec s = null;
            if (wanted != null) {
                c = find(champion, wanted);
                s = find(m, wanted);
            }
            if (c == null || s == null) {
                c = null;
                s = null;
                for (TensorSpec t : champion.spec().outputs()) {
                    TensorSpec same = find(m, t.key());
                    if (same != null) {
                        c = t;
                        s = same;
                        break;
                    }
                }
            }
            if ((c == null || s == null)
                    && !champion.spec().outputs().isEmpty()
                    && !m.spec().outputs().isEmpty()) {
                c = champion.spec().outputs().get(0);
                s = m.spec().outputs().get(0);
            }
            if (c == null
                    || s == null
                    || c.shape() == null
                    || s.shape() == null
                    || !ScoredRows.isScalar(c)
                    || !ScoredRows.isScalar(s)) {
                continue;
            }
            boolean regression = floating(c.dtype()) || floating(s.dtype());
            out.add(new ShadowAgreement(m.name(), champion.name(), c.key(), s.key(), regression));
        }
        return out;
    }

    /** The summary value: mean absolute difference, or share of equal labels; NaN for no rows. */
    public static double value(double sum, long rows) {
        return rows == 0 ? Double.NaN : sum / rows;
    }

    /** One comparison of two values both models gave for a row: |a - b| or 1 when equal. */
    public double compare(Object champ, Object shad) {
        if (regression) {
            return Math.abs(((Number) champ).doubleValue() - ((Number) shad).doubleValue());
        }
        if (champ instanceof Number a && shad instanceof Number b) {
            return a.longValue() == b.longValue() ? 1 : 0;
        }
        return champ.equals(shad) ? 1 : 0;
    }

    private static boolean floating(DType t) {
        return t == DType.FLOAT || t == DType.DOUBLE;
    }

    private static TensorSpec find(NamedModel m, String key) {
        for (TensorSpec t : m.spec().outputs()) {
            if (t.key().equals(key)) {
                return t;
            }
        }
        return null;
    }
}
