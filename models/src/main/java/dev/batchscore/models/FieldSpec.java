package dev.batchscore.models;

import java.util.List;

/**
 * A record field a signature reads. For a plain signature there is one per input, named by the
 * input key. For a signature that takes serialized {@code tf.Example} strings there is one per
 * feature the graph parses (found from its ParseExample node).
 *
 * @param name the record field name
 * @param dtype the element type the field is converted to
 * @param rowShape the shape of one record's value, never null: empty for a scalar, {@code -1} for a
 *     dimension taken from the value's length (all rows of a batch must agree on it). Also empty
 *     for an input of unknown rank (its {@link TensorSpec#shape()} is null), which takes a value of
 *     any shape. A row shape of all ones (e.g. {@code [1]}) also takes a single value; a flat
 *     primitive array is taken as the row-major form of a fixed shape.
 */
public record FieldSpec(String name, DType dtype, List<Long> rowShape) {

    /**
     * {@code DT_FLOAT [1]}, or {@code DT_STRING scalar}: like {@link TensorSpec#describeType()}.
     */
    public String describeType() {
        String type = "DT_" + dtype.name();
        if (rowShape.isEmpty()) {
            return type + " scalar";
        }
        StringBuilder sb = new StringBuilder(type).append(" [");
        for (int i = 0; i < rowShape.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(rowShape.get(i));
        }
        return sb.append(']').toString();
    }
}
