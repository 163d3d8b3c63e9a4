package dev.batchscore.models;

import java.util.List;

/**
 * One input or output of a signature, as the SavedModel declares it.
 *
 * @param key the signature's key for the tensor (what records and output columns are named by)
 * @param tensorName the graph tensor, e.g. {@code serving_default_x:0}
 * @param dtype element type; {@code rawDtype} keeps TensorFlow's own name, e.g. {@code DT_HALF}
 * @param shape declared shape, {@code -1} for an unknown dimension; {@code null} for unknown rank
 */
public record TensorSpec(
        String key, String tensorName, DType dtype, String rawDtype, List<Long> shape) {

    /**
     * The declared shape without its first dimension. Not always what a record holds: a TF2 export
     * may declare {@code [1]} for a scalar feature with no batch dimension at all; {@link
     * BatchScorer#fields()} gives the shape records must have.
     */
    public List<Long> rowShape() {
        if (shape == null || shape.isEmpty()) {
            return List.of();
        }
        return shape.subList(1, shape.size());
    }

    /** {@code DT_FLOAT [-1,1]}: how errors and {@code inspect} print a tensor. */
    public String describeType() {
        if (shape == null) {
            return rawDtype + " (unknown rank)";
        }
        StringBuilder sb = new StringBuilder(rawDtype).append(" [");
        for (int i = 0; i < shape.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(shape.get(i));
        }
        return sb.append(']').toString();
    }
}
