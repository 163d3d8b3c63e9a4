package dev.batchscore.pipeline;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.ScoreResult;
import dev.batchscore.models.TensorSpec;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Part of step 1 of {@link JobPlan#check}: a signature may declare an output with unknown rank (TF
 * Serving's own half_plus_three does), yet the output's column must be fixed before the job runs.
 * Such an output's per-row shape is learnt here by scoring two probe records built from the
 * signature's fields (zeros, empty strings, false; every free dimension 1): a boxed value per row
 * is a scalar column, an array of n values an array column. When the probe fails, the output keeps
 * its unknown rank and the row type's check refuses it as before, in one line.
 */
final class OutputShapes {
    private static final Logger LOG = LoggerFactory.getLogger(OutputShapes.class);

    private OutputShapes() {}

    /** The signature's outputs, those of unknown rank with the shape a probe gave them. */
    static List<TensorSpec> resolve(BatchScorer scorer) {
        List<TensorSpec> declared = scorer.signature().outputs();
        if (declared.stream().allMatch(t -> t.shape() != null)) {
            return List.copyOf(declared);
        }
        Map<String, Object> probe = new HashMap<>();
        for (FieldSpec field : scorer.fields()) {
            probe.put(field.name(), zero(field));
        }
        ScoreResult result;
        try {
            result = scorer.score(List.of(probe, probe));
        } catch (RuntimeException e) {
            LOG.warn("Could not probe the shape of outputs of unknown rank: {}", e.toString());
            return List.copyOf(declared);
        }
        if (!result.ok(0)) {
            LOG.warn(
                    "Could not probe the shape of outputs of unknown rank: {}",
                    result.error(0).message());
            return List.copyOf(declared);
        }
        Map<String, Object> values = result.outputs(0);
        List<TensorSpec> out = new ArrayList<>();
        for (TensorSpec t : declared) {
            Object v = values.get(t.key());
            if (t.shape() != null || v == null) {
                out.add(t);
                continue;
            }
            List<Long> shape =
                    v.getClass().isArray() && !(v instanceof byte[])
                            ? List.of(-1L, (long) Array.getLength(v))
                            : List.of(-1L);
            LOG.info(
                    "Model output '{}' declares unknown rank; a probe record gives rows of shape {}",
                    t.key(),
                    shape.subList(1, shape.size()));
            out.add(new TensorSpec(t.key(), t.tensorName(), t.dtype(), t.rawDtype(), shape));
        }
        return List.copyOf(out);
    }

    /** A value of {@code field}'s dtype and row shape (free dimensions 1): zeros, "" or false. */
    private static Object zero(FieldSpec field) {
        int n = 1;
        for (long d : field.rowShape()) {
            n *= d < 0 ? 1 : (int) d;
        }
        boolean scalar = field.rowShape().isEmpty();
        DType dtype = field.dtype();
        Object one =
                switch (dtype) {
                    case FLOAT -> 0.0f;
                    case DOUBLE -> 0.0;
                    case INT32 -> 0;
                    case INT64 -> 0L;
                    case BOOL -> false;
                    default -> "";
                };
        if (scalar) {
            return one;
        }
        List<Object> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(one);
        }
        return nest(list, field.rowShape());
    }

    /** {@code flat} as nested lists of {@code shape} (free dimensions 1). */
    private static Object nest(List<Object> flat, List<Long> shape) {
        if (shape.size() <= 1) {
            return flat;
        }
        int inner = flat.size() / (int) Math.max(1, shape.get(0) < 0 ? 1 : shape.get(0));
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < flat.size(); i += inner) {
            out.add(nest(flat.subList(i, i + inner), shape.subList(1, shape.size())));
        }
        return out;
    }
}
