/**
 * The TensorFlow SavedModel runtime of batchscore: load a model once per JVM, describe it, and
 * score batches of JSON-like records through one of its signatures. Knows nothing of Flink.
 *
 * <pre>{@code
 * try (SavedModel model = ModelRegistry.acquire(Path.of("/models/churn"), ModelOptions.defaults())) {
 *     BatchScorer scorer = model.scorer(ModelOptions.DEFAULT_SIGNATURE);
 *     ScoreResult result = scorer.score(List.of(Map.of("x", 1.5), Map.of("x", "oops")));
 *     result.outputs(0);   // {y=2.75}
 *     result.error(1);     // ENCODE: model input 'x' expects DT_FLOAT [-1,1]; field 'x' is a string ("oops")
 * }
 * }</pre>
 *
 * <p>Who closes what: the caller closes each {@link dev.batchscore.models.SavedModel} handle it
 * acquired; the model's session and graph are freed when the last handle closes. Scorers belong to
 * the model and need no closing; every tensor and result a {@code score} call creates is closed
 * before it returns. Loading and signature problems are {@link
 * dev.batchscore.models.ModelException}s with a one-line message; problems of single records are
 * {@link dev.batchscore.models.RecordError}s in the {@link dev.batchscore.models.ScoreResult},
 * never exceptions.
 */
package dev.batchscore.models;
