/**
 * How the runtime works; not API. {@link dev.batchscore.models.internal.SavedModelLoader} loads
 * through the graph and session API (not {@code SavedModelBundle}, which refuses a whole model for
 * one inconsistent signature); {@code TfBatchScorer} reads records with {@code ValueReader} (all
 * record checks, before any tensor exists), builds tensors per input ({@code PlainInputEncoder},
 * {@code ExampleInputEncoder} for serialized {@code tf.Example} inputs), runs the session, bisects
 * rejected batches and splits outputs per row ({@code OutputDecoder}).
 */
package dev.batchscore.models.internal;
