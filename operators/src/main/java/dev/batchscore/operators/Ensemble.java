package dev.batchscore.operators;

import dev.batchscore.models.DType;
import dev.batchscore.models.TensorSpec;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * A combiner over several models' outputs ({@code ensemble.*}): one output of every champion model
 * (shadow models never feed it), combined per row into one column written beside the models' own.
 *
 * <p>{@code mean} and {@code weighted-mean} write a {@code DOUBLE} (computed in double precision
 * from the models' values); {@code max}, {@code min} and {@code vote} keep the outputs' type.
 * {@code vote} writes the label with the most (weighted) votes, the first model's in name order on
 * a tie. Only scalar outputs combine; {@link #check} refuses, in one line, outputs whose dtype or
 * shape differ or that the method cannot combine.
 *
 * @param column the combined column's name ({@code ensemble.output})
 * @param method how the values combine ({@code ensemble.method})
 * @param weights model name to weight ({@code ensemble.weights.<name>}); for {@code weighted-mean}
 *     every champion needs one, otherwise a missing weight is 1
 * @param input the output key combined ({@code ensemble.inputs}), or null for the first champion's
 *     first output
 */
public record Ensemble(String column, Method method, Map<String, Double> weights, String input)
        implements Serializable {

    /** {@code ensemble.method}. */
    public enum Method {
        MEAN,
        WEIGHTED_MEAN,
        MAX,
        MIN,
        VOTE;

        /** The option value: {@code weighted-mean}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        @Override
        public String toString() {
            return label();
        }
    }

    private static final Set<DType> NUMERIC =
            Set.of(DType.FLOAT, DType.DOUBLE, DType.INT32, DType.INT64);
    private static final Set<DType> LABELS =
            Set.of(DType.INT32, DType.INT64, DType.STRING, DType.BOOL);

    public Ensemble {
        Objects.requireNonNull(method, "ensemble.method");
        if (column == null || column.isBlank()) {
            throw new IllegalArgumentException(
                    "ensemble.output is not set: name the combined column, e.g. ensemble_score");
        }
        weights = new LinkedHashMap<>(weights == null ? Map.of() : weights);
        for (Map.Entry<String, Double> w : weights.entrySet()) {
            if (w.getValue() == null || !(w.getValue() >= 0) || w.getValue().isInfinite()) {
                throw new IllegalArgumentException(
                        "ensemble.weights."
                                + w.getKey()
                                + " is "
                                + w.getValue()
                                + "; a weight must be a finite number >= 0");
            }
        }
    }

    /** The champion models, in the order their values are combined. */
    public static List<NamedModel> champions(List<NamedModel> models) {
        List<NamedModel> out = new ArrayList<>();
        for (NamedModel m : models) {
            if (!m.shadow()) {
                out.add(m);
            }
        }
        return out;
    }

    /** The output key combined: {@link #input}, else the first champion's first output. */
    public String inputKey(List<NamedModel> models) {
        if (input != null && !input.isBlank()) {
            return input;
        }
        List<NamedModel> champions = champions(models);
        if (champions.isEmpty() || champions.get(0).spec().outputs().isEmpty()) {
            return null;
        }
        return champions.get(0).spec().outputs().get(0).key();
    }

    /**
     * Checks that the champions' outputs (resolved) can be combined by this method; returns the
     * first champion's output combined. Throws {@link IllegalArgumentException}, one line naming
     * the models, what differs and the fix.
     */
    public TensorSpec check(List<NamedModel> models) {
        List<NamedModel> champions = champions(models);
        if (champions.size() < 2) {
            throw new IllegalArgumentException(
                    "ensemble.output '"
                            + column
                            + "' combines the champion models, but there "
                            + (champions.size() == 1 ? "is one" : "are none")
                            + ": a shadow model never feeds the ensemble; declare at least two"
                            + " models without models.<name>.role: shadow");
        }
        for (String named : weights.keySet()) {
            if (champions.stream().noneMatch(m -> m.name().equals(named))) {
                throw new IllegalArgumentException(
                        "ensemble.weights."
                                + named
                                + " names no champion model (champions: "
                                + names(champions)
                                + ")");
            }
        }
        String key = inputKey(models);
        TensorSpec first = null;
        String firstModel = null;
        for (NamedModel m : champions) {
            TensorSpec out = output(m, key);
            if (out == null) {
                throw new IllegalArgumentException(
                        "ensemble.inputs '"
                                + key
                                + "': model '"
                                + m.name()
                                + "' has no such output (its outputs: "
                                + keys(m)
                                + "); set ensemble.inputs to an output every champion has");
            }
            if (method == Method.WEIGHTED_MEAN && !weights.containsKey(m.name())) {
                throw new IllegalArgumentException(
                        "ensemble.method weighted-mean needs ensemble.weights."
                                + m.name()
                                + "; give every champion model a weight");
            }
            if (first == null) {
                first = out;
                firstModel = m.name();
            } else if (out.dtype() != first.dtype() || !sameRowShape(out, first)) {
                throw new IllegalArgumentException(
                        "ensemble.inputs '"
                                + key
                                + "' cannot be combined: model '"
                                + firstModel
                                + "' gives "
                                + first.describeType()
                                + " but model '"
                                + m.name()
                                + "' gives "
                                + out.describeType()
                                + "; combined outputs need one dtype and one per-row shape");
            }
        }
        if (first.shape() == null || !ScoredRows.isScalar(first)) {
            throw new IllegalArgumentException(
                    "ensemble.inputs '"
                            + key
                            + "' is "
                            + first.describeType()
                            + "; only per-row scalar outputs combine (combine a scalar output, or"
                            + " combine the models' columns downstream)");
        }
        Set<DType> allowed = method == Method.VOTE ? LABELS : NUMERIC;
        if (!allowed.contains(first.dtype())) {
            throw new IllegalArgumentException(
                    "ensemble.method "
                            + method.label()
                            + " cannot combine ensemble.inputs '"
                            + key
                            + "' of "
                            + first.describeType()
                            + (method == Method.VOTE
                                    ? "; vote takes int, long, string or bool labels (use mean for"
                                            + " scores)"
                                    : "; it takes float, double, int or long outputs (use vote"
                                            + " for labels)"));
        }
        if (method == Method.WEIGHTED_MEAN) {
            double sum = 0;
            for (NamedModel m : champions) {
                sum += weights.get(m.name());
            }
            if (!(sum > 0)) {
                throw new IllegalArgumentException(
                        "ensemble.weights.* add up to 0; give at least one champion a positive"
                                + " weight");
            }
        }
        return first;
    }

    /** The combined column's type, for the champions' output {@code combined}. */
    public LogicalType columnType(TensorSpec combined) {
        return switch (method) {
            case MEAN, WEIGHTED_MEAN -> new DoubleType();
            case MAX, MIN, VOTE -> ScoredRows.outputType(combined);
        };
    }

    /** Each champion's weight, in {@link #champions} order. */
    public double[] weightsFor(List<NamedModel> champions) {
        double[] w = new double[champions.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = weights.getOrDefault(champions.get(i).name(), 1.0);
        }
        return w;
    }

    /**
     * Combines one row's values (the models' boxed scalars, in {@link #champions} order, none
     * null): a {@code Double} for the means, else one of the values.
     */
    public Object combine(Object[] values, double[] w) {
        switch (method) {
            case MEAN -> {
                double sum = 0;
                for (Object v : values) {
                    sum += ((Number) v).doubleValue();
                }
                return sum / values.length;
            }
            case WEIGHTED_MEAN -> {
                double sum = 0;
                double total = 0;
                for (int i = 0; i < values.length; i++) {
                    sum += w[i] * ((Number) values[i]).doubleValue();
                    total += w[i];
                }
                return sum / total;
            }
            case MAX, MIN -> {
                Object best = values[0];
                for (int i = 1; i < values.length; i++) {
                    int c =
                            Double.compare(
                                    ((Number) values[i]).doubleValue(),
                                    ((Number) best).doubleValue());
                    if (method == Method.MAX ? c > 0 : c < 0) {
                        best = values[i];
                    }
                }
                return best;
            }
            case VOTE -> {
                Map<Object, Double> votes = new LinkedHashMap<>();
                for (int i = 0; i < values.length; i++) {
                    votes.merge(values[i], w[i], Double::sum);
                }
                Object best = null;
                double most = -1;
                for (Map.Entry<Object, Double> e : votes.entrySet()) {
                    if (e.getValue() > most) {
                        best = e.getKey();
                        most = e.getValue();
                    }
                }
                return best;
            }
            default -> throw new IllegalStateException(method.toString());
        }
    }

    private static TensorSpec output(NamedModel m, String key) {
        for (TensorSpec t : m.spec().outputs()) {
            if (t.key().equals(key)) {
                return t;
            }
        }
        return null;
    }

    private static List<String> keys(NamedModel m) {
        List<String> out = new ArrayList<>();
        for (TensorSpec t : m.spec().outputs()) {
            out.add(t.key());
        }
        return out;
    }

    private static List<String> names(List<NamedModel> models) {
        List<String> out = new ArrayList<>();
        for (NamedModel m : models) {
            out.add(m.name());
        }
        return out;
    }

    /**
     * Whether two outputs give rows of one shape: as the columns see them, so a per-row {@code [1]}
     * (half_plus_two's {@code [-1,1]}) is the scalar a per-row {@code []} is.
     */
    private static boolean sameRowShape(TensorSpec a, TensorSpec b) {
        return ScoredRows.isScalar(a) && ScoredRows.isScalar(b)
                || a.rowShape().equals(b.rowShape());
    }
}
