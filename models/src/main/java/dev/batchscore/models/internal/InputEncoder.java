package dev.batchscore.models.internal;

import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.TensorSpec;
import java.util.List;
import java.util.Map;
import org.tensorflow.Tensor;

/**
 * Turns records into the tensor one signature input is fed: first each record on its own ({@link
 * #read}, where every record error is found), then the rows of one model call into a tensor.
 */
interface InputEncoder {

    TensorSpec input();

    /** The record fields this input reads. */
    List<FieldSpec> fields();

    /**
     * True when the signature declares a batch dimension (or, for tf.Example inputs, implies one).
     */
    boolean declaresBatch();

    /** True when rows may differ in shape (a free inner dimension or unknown rank). */
    boolean variableShape();

    RowValue read(Map<String, ?> record) throws EncodeException;

    /**
     * Builds the tensor for these rows, all of one shape. {@code batched} adds a leading batch
     * dimension; otherwise there is exactly one row, fed in the shape the signature declares. The
     * caller closes the tensor.
     */
    Tensor build(List<RowValue> rows, boolean batched);
}
