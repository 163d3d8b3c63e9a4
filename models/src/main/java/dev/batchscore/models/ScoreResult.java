package dev.batchscore.models;

import java.util.List;
import java.util.Map;

/**
 * The outcome of scoring a batch, one entry per input record in input order: either the outputs or
 * the reason the record was not scored.
 *
 * <p>Output values: a scalar per row (and a per-row shape of {@code [1]}) is a boxed {@code Float},
 * {@code Double}, {@code Integer}, {@code Long}, {@code Boolean} or {@code String}; a per-row shape
 * of rank 1 or more is a flattened row-major primitive array ({@code float[]}, {@code double[]},
 * {@code int[]}, {@code long[]}, {@code boolean[]}) or {@code String[]}.
 */
public final class ScoreResult {
    private final List<Map<String, Object>> outputs;
    private final List<RecordError> errors;

    /** Both lists have one entry per record; exactly one of the two is non-null per index. */
    public ScoreResult(List<Map<String, Object>> outputs, List<RecordError> errors) {
        if (outputs.size() != errors.size()) {
            throw new IllegalArgumentException("outputs and errors differ in size");
        }
        this.outputs = outputs;
        this.errors = errors;
    }

    public int size() {
        return outputs.size();
    }

    public boolean ok(int row) {
        return errors.get(row) == null;
    }

    /** The outputs of a scored record, by output key in signature order. */
    public Map<String, Object> outputs(int row) {
        return outputs.get(row);
    }

    /** The reason a record was not scored, or {@code null}. */
    public RecordError error(int row) {
        return errors.get(row);
    }
}
