package dev.batchscore.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchscore.examples.ReferenceModels;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.ScoreResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.types.TFloat32;

/**
 * The bench's big-variables model at 4 MB instead of 300: batchscore's own loader restores its
 * checkpoint and scores it as the Java formula says, and the values live in {@code variables/} only
 * (without the checkpoint every record scores 0.5).
 */
class BigVariablesModelTest {
    private static final BigVariablesModel.Size SMALL = new BigVariablesModel.Size(2, 8192);

    @TempDir Path tmp;

    @Test
    void theVariablesAreInTheCheckpointNotTheGraph() throws Exception {
        Path dir = BigVariablesModel.build(tmp, SMALL);
        assertThat(dir).isEqualTo(tmp.resolve("bigvars").resolve("1"));
        assertThat(SMALL.bytes()).isEqualTo(2L * 8192 * 64 * 4);
        assertThat(Files.size(dir.resolve("saved_model.pb"))).isLessThan(64 * 1024);
        long checkpoint;
        try (Stream<Path> files = Files.list(dir.resolve("variables"))) {
            checkpoint =
                    files.filter(f -> f.getFileName().toString().startsWith("variables.data-"))
                            .mapToLong(BigVariablesModelTest::size)
                            .sum();
        }
        assertThat(checkpoint).isGreaterThanOrEqualTo(SMALL.bytes());
    }

    @Test
    void batchscoresLoaderRestoresAndScoresIt() throws Exception {
        Path dir = BigVariablesModel.build(tmp, SMALL);
        float[][] features = features(6);
        float[] scores = scoreWithRegistry(dir, features);
        for (int i = 0; i < features.length; i++) {
            assertThat((double) scores[i])
                    .as("record %d", i)
                    .isCloseTo(BigVariablesModel.probability(SMALL, features[i]), within(1e-5));
        }
        // the scores depend on the restored values: not the zeros of the initializer
        assertThat(scores).doesNotHaveDuplicates();
        for (float s : scores) {
            assertThat(s).isNotEqualTo(0.5f);
        }
        // TensorFlow's own loader agrees
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve");
                TFloat32 input = TFloat32.tensorOf(StdArrays.ndCopyOf(features));
                Result result =
                        bundle.function("serving_default")
                                .call(Map.of(ReferenceModels.TABULAR_INPUT, input))) {
            TFloat32 out = (TFloat32) result.get(ReferenceModels.TABULAR_OUTPUT).orElseThrow();
            for (int i = 0; i < features.length; i++) {
                assertThat(out.getFloat(i)).isCloseTo(scores[i], within(1e-6f));
            }
        }
    }

    @Test
    void withoutItsCheckpointEveryRecordScoresOneHalf() throws Exception {
        Path dir = BigVariablesModel.build(tmp, SMALL);
        Path copy = tmp.resolve("no-checkpoint");
        Files.createDirectories(copy);
        Files.copy(dir.resolve("saved_model.pb"), copy.resolve("saved_model.pb"));
        for (float s : scoreWithRegistry(copy, features(3))) {
            assertThat(s).isEqualTo(0.5f);
        }
    }

    private static float[] scoreWithRegistry(Path dir, float[][] features) {
        List<Map<String, Object>> records = new ArrayList<>();
        for (float[] f : features) {
            records.add(Map.of(ReferenceModels.TABULAR_INPUT, f));
        }
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            ScoreResult r = model.scorer(ModelOptions.DEFAULT_SIGNATURE).score(records);
            float[] scores = new float[features.length];
            for (int i = 0; i < scores.length; i++) {
                assertThat(r.ok(i)).as("%s", r.error(i)).isTrue();
                scores[i] = (Float) r.outputs(i).get(ReferenceModels.TABULAR_OUTPUT);
            }
            return scores;
        }
    }

    private static float[][] features(int n) {
        Random random = new Random(5);
        float[][] out = new float[n][BigVariablesModel.COLUMNS];
        for (float[] row : out) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return out;
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
