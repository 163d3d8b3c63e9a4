package dev.batchscore.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.DType;
import dev.batchscore.models.TensorSpec;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.types.logical.DoubleType;
import org.junit.jupiter.api.Test;

class EnsembleTest {

    private static NamedModel model(String name, NamedModel.Role role, DType dtype, Long... shape) {
        return new NamedModel(
                name,
                role,
                ScoringSpec.builder()
                        .modelPath("/models/" + name)
                        .outputs(
                                List.of(
                                        new TensorSpec(
                                                "y", "y:0", dtype, dtype.name(), List.of(shape))))
                        .build());
    }

    @Test
    void aShapeMismatchIsRefusedInOneLine() {
        Ensemble mean = new Ensemble("e", Ensemble.Method.MEAN, Map.of(), "y");
        List<NamedModel> models =
                List.of(
                        model("a", NamedModel.Role.CHAMPION, DType.FLOAT, -1L),
                        model("b", NamedModel.Role.CHAMPION, DType.FLOAT, -1L, 3L));
        assertThatThrownBy(() -> mean.check(models))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model 'a' gives")
                .hasMessageContaining("model 'b' gives")
                .hasMessageNotContaining("\n");
    }

    @Test
    void aDtypeMismatchIsRefused() {
        Ensemble mean = new Ensemble("e", Ensemble.Method.MEAN, Map.of(), null);
        assertThatThrownBy(
                        () ->
                                mean.check(
                                        List.of(
                                                model(
                                                        "a",
                                                        NamedModel.Role.CHAMPION,
                                                        DType.FLOAT,
                                                        -1L),
                                                model(
                                                        "b",
                                                        NamedModel.Role.CHAMPION,
                                                        DType.DOUBLE,
                                                        -1L))))
                .hasMessageContaining("one dtype and one per-row shape");
    }

    @Test
    void shadowsDoNotFeedTheEnsemble() {
        Ensemble mean = new Ensemble("e", Ensemble.Method.MEAN, Map.of(), null);
        assertThatThrownBy(
                        () ->
                                mean.check(
                                        List.of(
                                                model(
                                                        "a",
                                                        NamedModel.Role.CHAMPION,
                                                        DType.FLOAT,
                                                        -1L),
                                                model(
                                                        "b",
                                                        NamedModel.Role.SHADOW,
                                                        DType.FLOAT,
                                                        -1L))))
                .hasMessageContaining("a shadow model never feeds the ensemble");
    }

    @Test
    void combines() {
        List<NamedModel> two =
                List.of(
                        model("a", NamedModel.Role.CHAMPION, DType.FLOAT, -1L),
                        model("b", NamedModel.Role.CHAMPION, DType.FLOAT, -1L));
        Ensemble mean = new Ensemble("e", Ensemble.Method.MEAN, Map.of(), null);
        assertThat(mean.columnType(mean.check(two))).isEqualTo(new DoubleType());
        assertThat(mean.combine(new Object[] {2.5f, 3.5f}, new double[] {1, 1})).isEqualTo(3.0);
        Ensemble weighted =
                new Ensemble("e", Ensemble.Method.WEIGHTED_MEAN, Map.of("a", 3.0, "b", 1.0), null);
        weighted.check(two);
        assertThat(weighted.combine(new Object[] {1f, 5f}, weighted.weightsFor(two)))
                .isEqualTo(2.0);
        Ensemble max = new Ensemble("e", Ensemble.Method.MAX, Map.of(), null);
        assertThat(max.combine(new Object[] {1f, 5f}, new double[] {1, 1})).isEqualTo(5f);
        Ensemble vote = new Ensemble("e", Ensemble.Method.VOTE, Map.of(), null);
        assertThat(vote.combine(new Object[] {"x", "y", "y"}, new double[] {1, 1, 1}))
                .isEqualTo("y");
        assertThat(vote.combine(new Object[] {"x", "y"}, new double[] {1, 1}))
                .as("a tie goes to the first model")
                .isEqualTo("x");
    }

    @Test
    void weightedMeanNeedsEveryWeight() {
        Ensemble weighted =
                new Ensemble("e", Ensemble.Method.WEIGHTED_MEAN, Map.of("a", 1.0), null);
        assertThatThrownBy(
                        () ->
                                weighted.check(
                                        List.of(
                                                model(
                                                        "a",
                                                        NamedModel.Role.CHAMPION,
                                                        DType.FLOAT,
                                                        -1L),
                                                model(
                                                        "b",
                                                        NamedModel.Role.CHAMPION,
                                                        DType.FLOAT,
                                                        -1L))))
                .hasMessageContaining("ensemble.weights.b");
    }
}
