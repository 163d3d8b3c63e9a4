package dev.batchscore.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Records the model cannot take get an ENCODE error naming input, dtype, shape and value; the rest
 * score.
 */
class EncodeErrorsTest {
    @TempDir static Path tmp;

    static SavedModel model;
    static BatchScorer scorer;
    static Path dir;

    @BeforeAll
    static void load() throws Exception {
        dir =
                TinyModel.export(
                        tmp.resolve("m"),
                        (m, tf) -> {
                            m.output(
                                    "y",
                                    tf.math.add(
                                            m.input("x", TFloat32.class, -1, 1), tf.constant(1f)));
                            m.output("n2", tf.identity(m.input("n", TInt32.class, -1)));
                            m.output("big2", tf.identity(m.input("big", TInt64.class, -1)));
                            m.output("v2", tf.identity(m.input("v", TFloat32.class, -1, 3)));
                            m.output("flag2", tf.identity(m.input("flag", TBool.class, -1)));
                        });
        model = ModelRegistry.acquire(dir, ModelOptions.defaults());
        scorer = model.scorer("serving_default");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static Map<String, Object> good() {
        Map<String, Object> r = new HashMap<>();
        r.put("x", 1.0);
        r.put("n", 2);
        r.put("big", 3L);
        r.put("v", List.of(1, 2, 3));
        r.put("flag", true);
        return r;
    }

    private static Map<String, Object> with(String field, Object value) {
        Map<String, Object> r = good();
        r.put(field, value);
        return r;
    }

    private static String errorOf(Map<String, Object> bad) {
        List<Map<String, Object>> batch = new ArrayList<>(List.of(good(), bad, good()));
        ScoreResult r = scorer.score(batch);
        assertThat(r.ok(0)).as("%s", r.error(0)).isTrue();
        assertThat(r.ok(2)).as("%s", r.error(2)).isTrue();
        assertThat(r.outputs(2)).containsEntry("y", 2f);
        assertThat(r.ok(1)).isFalse();
        assertThat(r.error(1).stage()).isEqualTo(RecordError.Stage.ENCODE);
        assertThat(r.error(1).message()).doesNotContain("\n");
        return r.error(1).message();
    }

    @Test
    void wrongType() {
        assertThat(errorOf(with("x", "abc")))
                .isEqualTo(
                        "model input 'x' expects DT_FLOAT [-1,1]; field 'x' is a string (\"abc\")");
        assertThat(errorOf(with("flag", 1)))
                .isEqualTo("model input 'flag' expects DT_BOOL [-1]; field 'flag' is a number (1)");
        assertThat(errorOf(with("n", true)))
                .isEqualTo("model input 'n' expects DT_INT32 [-1]; field 'n' is a boolean (true)");
        assertThat(errorOf(with("v", List.of(1, "b", 3))))
                .isEqualTo(
                        "model input 'v' expects DT_FLOAT [-1,3]; field 'v' element 1 is a string (\"b\")");
    }

    @Test
    void missingAndNull() {
        Map<String, Object> missing = good();
        missing.remove("x");
        assertThat(errorOf(missing))
                .isEqualTo("model input 'x' expects DT_FLOAT [-1,1]; field 'x' is missing");
        assertThat(errorOf(with("x", null)))
                .isEqualTo("model input 'x' expects DT_FLOAT [-1,1]; field 'x' is null");
    }

    @Test
    void wrongShape() {
        assertThat(errorOf(with("v", List.of(1, 2))))
                .isEqualTo(
                        "model input 'v' expects DT_FLOAT [-1,3]; field 'v' has 2 values, expected 3");
        assertThat(errorOf(with("v", 1.0)))
                .isEqualTo(
                        "model input 'v' expects DT_FLOAT [-1,3]; field 'v' is a number (1.0), expected a list of shape [3]");
        assertThat(errorOf(with("n", List.of(1, 2))))
                .isEqualTo(
                        "model input 'n' expects DT_INT32 [-1]; field 'n' is a list of shape [2], expected a single value");
        assertThat(errorOf(with("x", List.of(1, 2))))
                .isEqualTo(
                        "model input 'x' expects DT_FLOAT [-1,1]; field 'x' has 2 values, expected 1");
        assertThat(errorOf(with("v", List.of(List.of(1, 2), List.of(3)))))
                .startsWith("model input 'v' expects DT_FLOAT [-1,3]; field 'v' is a ragged list");
    }

    @Test
    void outOfRangeAndNonIntegral() {
        assertThat(errorOf(with("n", 3e9)))
                .isEqualTo(
                        "model input 'n' expects DT_INT32 [-1]; field 'n' is 3.0E9, out of range for DT_INT32"
                                + " [-2147483648, 2147483647]");
        assertThat(errorOf(with("n", 3_000_000_000L)))
                .contains("is 3000000000, out of range for DT_INT32");
        assertThat(errorOf(with("big", new java.math.BigInteger("99999999999999999999"))))
                .contains("out of range for DT_INT64");
        assertThat(errorOf(with("x", 1e40)))
                .startsWith(
                        "model input 'x' expects DT_FLOAT [-1,1]; field 'x' is 1.0E40, out of range for DT_FLOAT");
        assertThat(errorOf(with("n", 1.5)))
                .isEqualTo(
                        "model input 'n' expects DT_INT32 [-1]; field 'n' is 1.5, not an integer as DT_INT32 needs");
        assertThat(errorOf(with("big", new java.math.BigDecimal("2.5"))))
                .contains("is 2.5, not an integer");
    }

    @Test
    void nonFiniteFloatsAreRejected() {
        assertThat(errorOf(with("x", Double.NaN)))
                .startsWith(
                        "model input 'x' expects DT_FLOAT [-1,1]; field 'x' is NaN; non-finite values are rejected");
        assertThat(errorOf(with("x", Double.POSITIVE_INFINITY)))
                .contains("field 'x' is Infinity; non-finite");
        assertThat(errorOf(with("v", new float[] {1, Float.NEGATIVE_INFINITY, 3})))
                .contains("field 'v' element 1 is -Infinity; non-finite");
        assertThat(errorOf(with("v", new float[] {1, 2, Float.NaN})))
                .contains("field 'v' element 2 is NaN; non-finite");
        assertThat(errorOf(with("v", new float[] {1, 2}))).contains("has 2 values, expected 3");
        assertThat(scorer.score(List.of(with("v", new float[] {1, -0f, 3}))).ok(0)).isTrue();
    }

    @Test
    void nonFiniteFloatsScoreWhenAllowedAndTheOtherRangeChecksStay() {
        try (SavedModel allowing =
                ModelRegistry.acquire(dir, ModelOptions.defaults().withAllowNonFinite(true))) {
            BatchScorer lenient = allowing.scorer("serving_default");
            ScoreResult r =
                    lenient.score(
                            List.of(
                                    with("x", Double.NaN),
                                    with("x", Double.NEGATIVE_INFINITY),
                                    with("v", new float[] {1, Float.POSITIVE_INFINITY, 3}),
                                    with("x", 1e40)));
            assertThat(r.ok(0)).as("%s", r.error(0)).isTrue();
            assertThat((Float) r.outputs(0).get("y")).isNaN();
            assertThat(r.outputs(1)).containsEntry("y", Float.NEGATIVE_INFINITY);
            assertThat(r.ok(2)).as("%s", r.error(2)).isTrue();
            assertThat(r.ok(3)).isFalse();
            assertThat(r.error(3).message()).contains("out of range for DT_FLOAT");
            // The rejecting holder's scorer is a different one: policies do not leak between
            // holders.
            assertThat(errorOf(with("x", Double.NaN))).contains("non-finite values are rejected");
        }
    }

    @Test
    void aBatchOfOnlyBadRecordsRunsNothingAndReportsEach() {
        ScoreResult r = scorer.score(List.of(with("x", "a"), with("n", 0.5)));
        assertThat(r.ok(0)).isFalse();
        assertThat(r.ok(1)).isFalse();
        assertThat(r.error(1).message()).contains("not an integer");
    }
}
