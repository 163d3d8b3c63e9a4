package dev.batchscore.models;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scores batches of records through one signature. Records are maps from field name to a value as a
 * JSON parser yields it: {@code Number}, {@code Boolean}, {@code String}, {@code List} (nested for
 * vectors and matrices), or a primitive array. Safe to call from several threads at once.
 *
 * <p>Converting records to tensors and back is separate from running the model; scoring one record
 * is scoring a batch of one.
 */
public interface BatchScorer {

    SignatureSpec signature();

    /** The record fields this signature reads, in input order. */
    List<FieldSpec> fields();

    /**
     * Scores a batch in one model call when the model accepts batches (one call per record
     * otherwise). Records that cannot be encoded get an {@code ENCODE} error and the rest are still
     * scored; when TensorFlow rejects a batch, it is split to find the records at fault, which get
     * a {@code SCORE} error. Every tensor and result is closed before this returns.
     */
    ScoreResult score(List<? extends Map<String, ?>> records);

    /**
     * Whether records go to the model in batches. False once the model has rejected a batch while
     * accepting single records (a signature declaring no batch dimension, e.g. TF2's {@code [1]}):
     * from then on every record is its own model call, which is slower but correct.
     */
    default boolean batchesRecords() {
        return true;
    }

    /**
     * The input key when this signature takes serialized {@code tf.Example} strings (and has no
     * other input): a record may then carry the serialized bytes themselves under that key as a
     * {@link SerializedExample}, which go to the model as they are.
     */
    default Optional<String> serializedExampleInput() {
        return Optional.empty();
    }
}
