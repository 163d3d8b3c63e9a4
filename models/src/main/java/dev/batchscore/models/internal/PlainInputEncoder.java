package dev.batchscore.models.internal;

import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.TensorSpec;
import java.util.List;
import java.util.Map;
import org.tensorflow.Tensor;

/**
 * An input fed straight from the record field of the same name.
 *
 * <p>How the declared shape splits into a batch dimension and a row: {@code [-1,...]} batches over
 * the first dimension; {@code [1,d...]} (rank 2 or more) is a batch of one whose row is {@code
 * [d...]}; any other shape (e.g. TF2's {@code [1]} for a scalar feature) is the row itself, and
 * batching is tried by prepending a batch dimension; unknown rank takes each row's own shape.
 */
final class PlainInputEncoder implements InputEncoder {
    private final TensorSpec input;
    private final List<Long> rowShape;
    private final boolean declaresBatch;
    private final boolean leadingOne;
    private final String prefix;
    private final boolean allowNonFinite;

    PlainInputEncoder(TensorSpec input) {
        this(input, false);
    }

    PlainInputEncoder(TensorSpec input, boolean allowNonFinite) {
        this.input = input;
        this.allowNonFinite = allowNonFinite;
        List<Long> s = input.shape();
        if (s == null) {
            rowShape = null;
            declaresBatch = false;
            leadingOne = false;
        } else if (s.isEmpty()) {
            rowShape = List.of();
            declaresBatch = false;
            leadingOne = false;
        } else if (s.get(0) < 0) {
            rowShape = List.copyOf(s.subList(1, s.size()));
            declaresBatch = true;
            leadingOne = false;
        } else if (s.get(0) == 1 && s.size() >= 2) {
            rowShape = List.copyOf(s.subList(1, s.size()));
            declaresBatch = false;
            leadingOne = true;
        } else {
            rowShape = s;
            declaresBatch = false;
            leadingOne = false;
        }
        this.prefix =
                "model input '"
                        + input.key()
                        + "' expects "
                        + input.describeType()
                        + "; field '"
                        + input.key()
                        + "'";
    }

    @Override
    public TensorSpec input() {
        return input;
    }

    @Override
    public List<FieldSpec> fields() {
        // Unknown rank is reported as a scalar, the usual case, so that rowShape is never null;
        // the encoder still takes any shape.
        return List.of(
                new FieldSpec(input.key(), input.dtype(), rowShape == null ? List.of() : rowShape));
    }

    @Override
    public boolean declaresBatch() {
        return declaresBatch;
    }

    @Override
    public boolean variableShape() {
        return rowShape == null || rowShape.stream().anyMatch(d -> d < 0);
    }

    @Override
    public RowValue read(Map<String, ?> record) throws EncodeException {
        Object v = record.get(input.key());
        if (v == null && !record.containsKey(input.key())) {
            throw new EncodeException(prefix + " is missing");
        }
        return ValueReader.read(v, input.dtype(), rowShape, prefix, allowNonFinite);
    }

    @Override
    public Tensor build(List<RowValue> rows, boolean batched) {
        long[] row = rows.get(0).shape();
        long[] shape =
                batched
                        ? Tensors.prepend(rows.size(), row)
                        : (leadingOne ? Tensors.prepend(1, row) : row);
        return Tensors.of(input.dtype(), shape, rows);
    }
}
