package dev.batchscore.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Bisecting rejected batches, falling back from batches, sharing models and scoring from threads.
 */
class ScoringBehaviourTest {
    @TempDir Path tmp;

    @Test
    void rejectedBatchIsBisectedToTheRecordsAtFault() throws Exception {
        // Gather fails the whole run for an index outside the table, as TensorFlow does for bad
        // ids.
        Path dir =
                TinyModel.export(
                        tmp.resolve("lookup"),
                        (m, tf) ->
                                m.output(
                                        "value",
                                        tf.gather(
                                                tf.constant(new float[] {10, 20, 30}),
                                                m.input("id", TInt32.class, -1),
                                                tf.constant(0))));
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            List<Map<String, Object>> records = new ArrayList<>();
            int[] ids = {0, 1, 7, 2, 2, 1, -4, 0};
            for (int id : ids) {
                records.add(Map.of("id", id));
            }
            ScoreResult r = model.scorer("serving_default").score(records);
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] == 7 || ids[i] == -4) {
                    assertThat(r.error(i).stage()).isEqualTo(RecordError.Stage.SCORE);
                    assertThat(r.error(i).message())
                            .startsWith("signature 'serving_default' failed on this record: ")
                            .contains("not in [0, 3)")
                            .doesNotContain("\n");
                } else {
                    assertThat(r.outputs(i))
                            .as("row %d: %s", i, r.error(i))
                            .containsEntry("value", 10f * (ids[i] + 1));
                }
            }
        }
    }

    @Test
    void modelThatRejectsBatchesIsScoredOneRecordPerCall() throws Exception {
        // Declares [1] without a batch dimension and really means it: the reshape fails for [n,1].
        Path dir =
                TinyModel.export(
                        tmp.resolve("single"),
                        (m, tf) -> {
                            var x = m.input("x", TFloat32.class, 1);
                            m.output(
                                    "y",
                                    tf.math.add(
                                            tf.reshape(x, tf.constant(new int[] {1})),
                                            tf.constant(1f)));
                        });
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            BatchScorer scorer = model.scorer("serving_default");
            assertThat(scorer.batchesRecords()).isTrue();
            ScoreResult r =
                    scorer.score(
                            List.of(
                                    Map.of("x", 1),
                                    Map.of("x", 2),
                                    Map.of("x", "bad"),
                                    Map.of("x", 3)));
            assertThat(scorer.batchesRecords()).isFalse();
            assertThat(r.outputs(0)).containsEntry("y", 2f);
            assertThat(r.outputs(1)).containsEntry("y", 3f);
            assertThat(r.error(2).stage()).isEqualTo(RecordError.Stage.ENCODE);
            assertThat(r.outputs(3)).containsEntry("y", 4f);
            ScoreResult again = scorer.score(List.of(Map.of("x", 10), Map.of("x", List.of(20))));
            assertThat(again.outputs(0)).containsEntry("y", 11f);
            assertThat(again.outputs(1)).containsEntry("y", 21f);
        }
    }

    @Test
    void oneLoadedModelIsSharedUntilTheLastHandleCloses() throws Exception {
        Path dir = TinyModel.plusOne(tmp.resolve("shared"));
        int before = ModelRegistry.loadedCount();
        SavedModel a = ModelRegistry.acquire(dir, ModelOptions.defaults());
        SavedModel b =
                ModelRegistry.acquire(
                        dir.resolve(".").resolve("..").resolve("shared"), ModelOptions.defaults());
        assertThat(ModelRegistry.loadedCount()).isEqualTo(before + 1);
        assertThat(a.scorer("serving_default")).isSameAs(b.scorer("serving_default"));
        a.close();
        a.close();
        assertThat(ModelRegistry.loadedCount()).isEqualTo(before + 1);
        assertThat(b.scorer("serving_default").score(List.of(Map.of("x", 1))).outputs(0))
                .containsEntry("y", 2f);
        assertThatThrownBy(() -> a.scorer("serving_default"))
                .isInstanceOf(IllegalStateException.class);
        b.close();
        assertThat(ModelRegistry.loadedCount()).isEqualTo(before);
        try (SavedModel c = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            assertThat(c.scorer("serving_default").score(List.of(Map.of("x", 5))).outputs(0))
                    .containsEntry("y", 6f);
        }
    }

    @Test
    void concurrentAcquiresLoadTheModelOnce() throws Exception {
        Path dir = TinyModel.plusOne(tmp.resolve("concurrent"));
        int before = ModelRegistry.loadedCount();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<SavedModel> handles = new ArrayList<>();
        try {
            List<Future<SavedModel>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                futures.add(pool.submit(() -> ModelRegistry.acquire(dir, ModelOptions.defaults())));
            }
            for (Future<SavedModel> f : futures) {
                handles.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(ModelRegistry.loadedCount()).isEqualTo(before + 1);
            for (SavedModel h : handles.subList(0, 7)) {
                h.close();
            }
            assertThat(
                            handles.get(7)
                                    .scorer("serving_default")
                                    .score(List.of(Map.of("x", 2)))
                                    .outputs(0))
                    .containsEntry("y", 3f);
        } finally {
            handles.forEach(SavedModel::close);
            pool.shutdownNow();
        }
        assertThat(ModelRegistry.loadedCount()).isEqualTo(before);
    }

    @Test
    void threadsScoringOneModelGetTheirOwnResults() throws Exception {
        Path dir =
                TinyModel.export(
                        tmp.resolve("threads"),
                        (m, tf) ->
                                m.output(
                                        "y",
                                        tf.reduceSum(
                                                tf.math.mul(
                                                        m.input("x", TFloat32.class, -1, 16),
                                                        tf.constant(0.5f)),
                                                tf.constant(1))));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            BatchScorer scorer = model.scorer("serving_default");
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                futures.add(
                        pool.submit(
                                () -> {
                                    int checked = 0;
                                    for (int call = 0; call < 50; call++) {
                                        List<Map<String, Object>> batch = new ArrayList<>();
                                        for (int row = 0; row < 64; row++) {
                                            float[] x = new float[16];
                                            java.util.Arrays.fill(
                                                    x, thread * 1000 + call * 10 + row % 10);
                                            batch.add(Map.of("x", x));
                                        }
                                        ScoreResult r = scorer.score(batch);
                                        for (int row = 0; row < 64; row++) {
                                            float expected =
                                                    8f * (thread * 1000 + call * 10 + row % 10);
                                            assertThat(r.outputs(row)).containsEntry("y", expected);
                                            checked++;
                                        }
                                    }
                                    return checked;
                                }));
            }
            int total = 0;
            for (Future<Integer> f : futures) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(4 * 50 * 64);
        } finally {
            pool.shutdownNow();
        }
    }
}
