package dev.batchscore.operators;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.RecordError;
import dev.batchscore.models.ScoreResult;
import dev.batchscore.models.SignatureSpec;
import dev.batchscore.models.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A scorer that never calls the model: every scalar numeric output is the record's first input (its
 * first element for a list), cast to the output's type; other outputs are null. What {@code
 * batchscore bench} runs as "no-model", the pipeline's own ceiling ({@link
 * ScoringSpec#identityScoring()}).
 */
final class IdentityScorer implements BatchScorer {
    private final BatchScorer model;
    private final List<TensorSpec> outputs;

    IdentityScorer(BatchScorer model, List<TensorSpec> outputs) {
        this.model = model;
        this.outputs = List.copyOf(outputs);
    }

    @Override
    public SignatureSpec signature() {
        return model.signature();
    }

    @Override
    public List<FieldSpec> fields() {
        return model.fields();
    }

    @Override
    public ScoreResult score(List<? extends Map<String, ?>> records) {
        String first = fields().isEmpty() ? null : fields().get(0).name();
        List<Map<String, Object>> rows = new ArrayList<>(records.size());
        RecordError[] errors = new RecordError[records.size()];
        for (Map<String, ?> record : records) {
            Object value = first == null ? null : firstNumber(record.get(first));
            Map<String, Object> row = new HashMap<>();
            for (TensorSpec out : outputs) {
                row.put(out.key(), ScoredRows.isScalar(out) ? cast(value, out) : null);
            }
            rows.add(row);
        }
        return new ScoreResult(rows, Arrays.asList(errors));
    }

    private static Object firstNumber(Object value) {
        if (value instanceof List<?> list && !list.isEmpty()) {
            return firstNumber(list.get(0));
        }
        if (value instanceof float[] a && a.length > 0) {
            return a[0];
        }
        return value instanceof Number ? value : null;
    }

    private static Object cast(Object value, TensorSpec out) {
        Number n = value instanceof Number number ? number : 0;
        return switch (out.dtype()) {
            case FLOAT -> n.floatValue();
            case DOUBLE -> n.doubleValue();
            case INT32 -> n.intValue();
            case INT64 -> n.longValue();
            case BOOL -> n.doubleValue() != 0;
            case STRING -> n.toString();
            default -> null;
        };
    }
}
