package dev.batchscore.models;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/** Every dtype and shape path of the encoder and decoder, through small models built with Ops. */
class DtypeScoringTest {
    @TempDir Path tmp;

    @Test
    void scalarsOfEveryDtypeRoundTrip() throws Exception {
        Path dir =
                TinyModel.export(
                        tmp.resolve("scalars"),
                        (m, tf) -> {
                            m.output(
                                    "f",
                                    tf.math.mul(m.input("f", TFloat32.class, -1), tf.constant(2f)));
                            m.output(
                                    "d",
                                    tf.math.mul(m.input("d", TFloat64.class, -1), tf.constant(2d)));
                            m.output(
                                    "i",
                                    tf.math.add(m.input("i", TInt32.class, -1), tf.constant(1)));
                            m.output(
                                    "l",
                                    tf.math.add(m.input("l", TInt64.class, -1), tf.constant(1L)));
                            m.output("b", tf.math.logicalNot(m.input("b", TBool.class, -1)));
                            m.output(
                                    "s",
                                    tf.strings.join(
                                            List.of(
                                                    m.input("s", TString.class, -1),
                                                    tf.constant("!"))));
                        });
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            BatchScorer scorer = model.scorer("serving_default");
            assertThat(scorer.fields())
                    .extracting(FieldSpec::name)
                    .containsExactly("b", "d", "f", "i", "l", "s");
            assertThat(scorer.fields().get(0)).isEqualTo(new FieldSpec("b", DType.BOOL, List.of()));
            List<Map<String, Object>> records =
                    List.of(
                            Map.of(
                                    "f",
                                    1.5,
                                    "d",
                                    2.25,
                                    "i",
                                    7,
                                    "l",
                                    9_000_000_000L,
                                    "b",
                                    true,
                                    "s",
                                    "hé"),
                            Map.of(
                                    "f",
                                    -1,
                                    "d",
                                    1e300,
                                    "i",
                                    3.0,
                                    "l",
                                    new java.math.BigInteger("42"),
                                    "b",
                                    false,
                                    "s",
                                    ""));
            ScoreResult r = scorer.score(records);
            assertThat(r.ok(0)).as("%s", r.error(0)).isTrue();
            assertThat(r.ok(1)).as("%s", r.error(1)).isTrue();
            assertThat(r.outputs(0))
                    .containsEntry("f", 3.0f)
                    .containsEntry("d", 4.5)
                    .containsEntry("i", 8)
                    .containsEntry("l", 9_000_000_001L)
                    .containsEntry("b", false)
                    .containsEntry("s", "hé!");
            assertThat(r.outputs(1))
                    .containsEntry("f", -2.0f)
                    .containsEntry("d", 2e300)
                    .containsEntry("i", 4)
                    .containsEntry("l", 43L)
                    .containsEntry("b", true)
                    .containsEntry("s", "!");
            assertThat(r.outputs(0).keySet()).containsExactly("b", "d", "f", "i", "l", "s");
        }
    }

    @Test
    void fixedShapeVectorsAndMatrices() throws Exception {
        Path dir =
                TinyModel.export(
                        tmp.resolve("vectors"),
                        (m, tf) -> {
                            m.output(
                                    "v2",
                                    tf.math.mul(
                                            m.input("v", TFloat32.class, -1, 4), tf.constant(2f)));
                            m.output(
                                    "img_sum",
                                    tf.reduceSum(
                                            m.input("img", TFloat32.class, -1, 3, 3, 1),
                                            tf.constant(new int[] {1, 2, 3})));
                            m.output("ids", tf.identity(m.input("ids", TInt64.class, -1, 2, 2)));
                            m.output("flags", tf.identity(m.input("flags", TBool.class, -1, 2)));
                            m.output("words", tf.identity(m.input("words", TString.class, -1, 2)));
                        });
        float[] img = new float[9];
        for (int i = 0; i < 9; i++) {
            img[i] = i;
        }
        List<List<List<Double>>> nestedImg = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            List<List<Double>> row = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                row.add(List.of(1.0));
            }
            nestedImg.add(row);
        }
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            BatchScorer scorer = model.scorer("serving_default");
            assertThat(scorer.fields())
                    .contains(new FieldSpec("img", DType.FLOAT, List.of(3L, 3L, 1L)));
            Map<String, Object> a =
                    Map.of(
                            "v",
                            List.of(1, 2, 3, 4),
                            "img",
                            img,
                            "ids",
                            List.of(List.of(1, 2), List.of(3, 4)),
                            "flags",
                            new boolean[] {true, false},
                            "words",
                            new String[] {"a", "b"});
            Map<String, Object> b =
                    Map.of(
                            "v",
                            new float[] {0.5f, 0, 0, 1},
                            "img",
                            nestedImg,
                            "ids",
                            new long[] {5, 6, 7, 8},
                            "flags",
                            List.of(false, false),
                            "words",
                            List.of("c", "d"));
            ScoreResult r = scorer.score(List.of(a, b));
            assertThat(r.ok(0)).as("%s", r.error(0)).isTrue();
            assertThat(r.ok(1)).as("%s", r.error(1)).isTrue();
            assertThat((float[]) r.outputs(0).get("v2")).containsExactly(2, 4, 6, 8);
            assertThat((float[]) r.outputs(1).get("v2")).containsExactly(1, 0, 0, 2);
            assertThat(r.outputs(0).get("img_sum")).isEqualTo(36f);
            assertThat(r.outputs(1).get("img_sum")).isEqualTo(9f);
            assertThat((long[]) r.outputs(0).get("ids")).containsExactly(1, 2, 3, 4);
            assertThat((long[]) r.outputs(1).get("ids")).containsExactly(5, 6, 7, 8);
            assertThat((boolean[]) r.outputs(0).get("flags")).containsExactly(true, false);
            assertThat((String[]) r.outputs(1).get("words")).containsExactly("c", "d");
        }
    }

    @Test
    void freeInnerDimensionTakesTheLengthAndOddRowsAreEncodeErrors() throws Exception {
        Path dir =
                TinyModel.export(
                        tmp.resolve("ragged"),
                        (m, tf) ->
                                m.output(
                                        "sum",
                                        tf.reduceSum(
                                                m.input("x", TFloat32.class, -1, -1),
                                                tf.constant(1))));
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            BatchScorer scorer = model.scorer("serving_default");
            assertThat(scorer.fields())
                    .containsExactly(new FieldSpec("x", DType.FLOAT, List.of(-1L)));
            ScoreResult r =
                    scorer.score(
                            List.of(
                                    Map.of("x", List.of(1, 2, 3)),
                                    Map.of("x", List.of(1, 1)),
                                    Map.of("x", List.of(4, 5, 6))));
            assertThat(r.outputs(0)).containsEntry("sum", 6f);
            assertThat(r.outputs(2)).containsEntry("sum", 15f);
            assertThat(r.error(1).stage()).isEqualTo(RecordError.Stage.ENCODE);
            assertThat(r.error(1).message())
                    .isEqualTo(
                            "model input 'x' expects DT_FLOAT [-1,-1]; field 'x' has"
                                    + " shape [2] but the other rows of its batch have [3], and one tensor needs one shape");
        }
    }

    @Test
    void perRowShapeOneTakesAScalarOrAOneElementListAndOutputsAreSqueezed() throws Exception {
        Path dir =
                TinyModel.export(
                        tmp.resolve("one"),
                        (m, tf) ->
                                m.output(
                                        "y",
                                        tf.math.add(
                                                m.input("x", TFloat32.class, -1, 1),
                                                tf.constant(1f))));
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            ScoreResult r =
                    model.scorer("serving_default")
                            .score(
                                    List.of(
                                            Map.of("x", 1),
                                            Map.of("x", List.of(2.0)),
                                            Map.of("x", new float[] {3})));
            for (int i = 0; i < 3; i++) {
                assertThat(r.outputs(i)).as("%s", r.error(i)).containsEntry("y", i + 2f);
            }
        }
    }

    @Test
    void unknownRankInputTakesEachRowsShape() throws Exception {
        Path dir =
                TinyModel.export(
                        tmp.resolve("unknown"),
                        (m, tf) ->
                                m.output(
                                        "y",
                                        tf.math.mul(
                                                m.input("x", TFloat64.class, (long[]) null),
                                                tf.constant(3d))));
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            BatchScorer scorer = model.scorer("serving_default");
            assertThat(scorer.fields().get(0).rowShape()).isEmpty();
            assertThat(scorer.signature().inputs().get(0).shape()).isNull();
            ScoreResult scalars = scorer.score(List.of(Map.of("x", 1), Map.of("x", 2)));
            assertThat(scalars.outputs(0)).containsEntry("y", 3.0);
            assertThat(scalars.outputs(1)).containsEntry("y", 6.0);
            ScoreResult vectors =
                    scorer.score(List.of(Map.of("x", List.of(1, 2)), Map.of("x", List.of(3, 4))));
            assertThat((double[]) vectors.outputs(1).get("y")).containsExactly(9, 12);
        }
    }

    private static org.tensorflow.Operand<TString> emptyStrings(org.tensorflow.op.Ops tf) {
        return tf.constant(
                org.tensorflow.ndarray.Shape.of(0),
                org.tensorflow.ndarray.buffer.DataBuffers.ofObjects(String.class, 0));
    }

    @Test
    void tfExampleInputWithInt64AndStringFeaturesAndADefault() throws Exception {
        Path dir =
                TinyModel.export(
                        tmp.resolve("example"),
                        (m, tf) -> {
                            var serialized = m.input("inputs", TString.class, -1);
                            var parsed =
                                    tf.io.parseExample(
                                            serialized,
                                            emptyStrings(tf),
                                            emptyStrings(tf),
                                            tf.constant(
                                                    UTF_8, new String[] {"age", "city", "score"}),
                                            emptyStrings(tf),
                                            List.of(
                                                    tf.constant(new long[0]),
                                                    emptyStrings(tf),
                                                    tf.constant(new float[] {-1f})),
                                            0L,
                                            List.of(),
                                            List.of(),
                                            List.of(),
                                            List.of(
                                                    org.tensorflow.ndarray.Shape.of(1),
                                                    org.tensorflow.ndarray.Shape.of(1),
                                                    org.tensorflow.ndarray.Shape.of(1)));
                            m.output(
                                    "age_plus_one",
                                    tf.math.add(
                                            parsed.denseValues().get(0).expect(TInt64.class),
                                            tf.constant(1L)));
                            m.output("city", tf.identity(parsed.denseValues().get(1)));
                            m.output("score", tf.identity(parsed.denseValues().get(2)));
                        });
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            BatchScorer scorer = model.scorer("serving_default");
            assertThat(scorer.fields())
                    .containsExactly(
                            new FieldSpec("age", DType.INT64, List.of(1L)),
                            new FieldSpec("city", DType.STRING, List.of(1L)),
                            new FieldSpec("score", DType.FLOAT, List.of(1L)));
            Map<String, Object> noScore = new HashMap<>(Map.of("age", 41, "city", "Oslo"));
            ScoreResult r =
                    scorer.score(
                            List.of(
                                    noScore,
                                    Map.of("age", 7, "city", "Lima", "score", 0.5),
                                    Map.of("city", "Rome"),
                                    Map.of("age", 1.5, "city", "Bern")));
            assertThat(r.outputs(0))
                    .containsEntry("age_plus_one", 42L)
                    .containsEntry("city", "Oslo")
                    .containsEntry("score", -1f);
            assertThat(r.outputs(1)).containsEntry("age_plus_one", 8L).containsEntry("score", 0.5f);
            assertThat(r.error(2).message())
                    .isEqualTo(
                            "model input 'inputs' parses tf.Example feature 'age' as DT_INT64 [1]; field 'age' is missing");
            assertThat(r.error(3).message()).contains("field 'age' is 1.5, not an integer");
        }
    }
}
