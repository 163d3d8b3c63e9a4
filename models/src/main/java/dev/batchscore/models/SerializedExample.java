package dev.batchscore.models;

/**
 * A record's value that is already a serialized {@code tf.Example}: given under {@link
 * BatchScorer#serializedExampleInput()}'s key, it is fed to the model as it is, with no encoding.
 *
 * @param bytes the serialized Example
 */
public record SerializedExample(byte[] bytes) {}
