package dev.batchscore.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.DType;
import dev.batchscore.models.TensorSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.types.logical.RowType;
import org.junit.jupiter.api.Test;

class ScoredRowsTest {

    private static TensorSpec out(String key, DType dtype, Long... shape) {
        return new TensorSpec(key, key + ":0", dtype, "DT_" + dtype.name(), List.of(shape));
    }

    @Test
    void scoredRowTypeIsPassthroughThenOutputsThenMetadata() {
        ScoringSpec spec =
                ScoringSpec.builder()
                        .modelPath("/m/churn")
                        .passthrough(
                                List.of(
                                        new PassthroughField("id", PassthroughField.Type.STRING),
                                        new PassthroughField(
                                                "amount", PassthroughField.Type.DOUBLE),
                                        new PassthroughField("n", PassthroughField.Type.LONG),
                                        new PassthroughField(
                                                "flag", PassthroughField.Type.BOOLEAN)))
                        .outputs(
                                List.of(
                                        out("y", DType.FLOAT, -1L, 1L),
                                        out("d", DType.DOUBLE, -1L),
                                        out("i", DType.INT32, -1L),
                                        out("l", DType.INT64),
                                        out("b", DType.BOOL, -1L),
                                        out("s", DType.STRING, -1L),
                                        out("vec", DType.FLOAT, -1L, 3L),
                                        out("mat", DType.INT64, -1L, 2L, 2L)))
                        .build();

        RowType type = ScoredRows.scoredRowType(spec);

        assertThat(type.asSerializableString())
                .isEqualTo(
                        "ROW<`id` VARCHAR(2147483647), `amount` DOUBLE, `n` BIGINT, `flag` BOOLEAN, "
                                + "`y` FLOAT, `d` DOUBLE, `i` INT, `l` BIGINT, `b` BOOLEAN, `s` VARCHAR(2147483647), "
                                + "`vec` ARRAY<FLOAT NOT NULL>, `mat` ARRAY<BIGINT NOT NULL>, "
                                + "`_source_topic` VARCHAR(2147483647) NOT NULL, `_source_partition` INT NOT NULL, "
                                + "`_source_offset` BIGINT NOT NULL, `_source_timestamp` TIMESTAMP(3) WITH LOCAL TIME ZONE NOT NULL, "
                                + "`_model` VARCHAR(2147483647) NOT NULL, `_model_version` VARCHAR(2147483647) NOT NULL, "
                                + "`_scored_at` TIMESTAMP(6) WITH LOCAL TIME ZONE NOT NULL, "
                                + "`_pipeline_id` VARCHAR(2147483647) NOT NULL, `_run_id` VARCHAR(2147483647) NOT NULL> NOT NULL");
    }

    @Test
    void errorRowTypeMatchesTheContract() {
        assertThat(ScoredRows.errorRowType().asSerializableString())
                .isEqualTo(
                        "ROW<`_source_topic` VARCHAR(2147483647) NOT NULL, `_source_partition` INT NOT NULL, "
                                + "`_source_offset` BIGINT NOT NULL, `_source_timestamp` TIMESTAMP(3) WITH LOCAL TIME ZONE NOT NULL, "
                                + "`raw_value` VARBINARY(2147483647), `stage` VARCHAR(2147483647) NOT NULL, "
                                + "`error_message` VARCHAR(2147483647) NOT NULL, `_model` VARCHAR(2147483647) NOT NULL, "
                                + "`_model_version` VARCHAR(2147483647) NOT NULL, "
                                + "`_failed_at` TIMESTAMP(6) WITH LOCAL TIME ZONE NOT NULL, "
                                + "`_pipeline_id` VARCHAR(2147483647) NOT NULL, `_run_id` VARCHAR(2147483647) NOT NULL> NOT NULL");
    }

    @Test
    void clashingColumnNamesAreRejectedWithTheName() {
        ScoringSpec spec =
                ScoringSpec.builder()
                        .modelPath("/m")
                        .passthrough(
                                List.of(new PassthroughField("y", PassthroughField.Type.STRING)))
                        .outputs(List.of(out("y", DType.FLOAT, -1L)))
                        .build();
        assertThatThrownBy(() -> ScoredRows.scoredRowType(spec)).hasMessageContaining("column 'y'");

        ScoringSpec meta =
                ScoringSpec.builder()
                        .modelPath("/m")
                        .passthrough(
                                List.of(
                                        new PassthroughField(
                                                "_model", PassthroughField.Type.STRING)))
                        .build();
        assertThatThrownBy(() -> ScoredRows.scoredRowType(meta))
                .hasMessageContaining("column '_model'");
    }

    @Test
    void outputsThatCannotBeColumnsAreRejected() {
        TensorSpec half = new TensorSpec("h", "h:0", DType.UNSUPPORTED, "DT_HALF", List.of(-1L));
        assertThatThrownBy(() -> ScoredRows.outputType(half)).hasMessageContaining("DT_HALF [-1]");
        TensorSpec unknownRank = new TensorSpec("u", "u:0", DType.FLOAT, "DT_FLOAT", null);
        assertThatThrownBy(() -> ScoredRows.outputType(unknownRank))
                .hasMessageContaining("unknown rank");
    }

    @Test
    void specDefaultsAndValidation() {
        ScoringSpec spec = ScoringSpec.builder().modelPath("/models/churn/").build();
        assertThat(spec.tags()).containsExactly("serve");
        assertThat(spec.signature()).isEqualTo("serving_default");
        assertThat(spec.batchSize()).isEqualTo(256);
        assertThat(spec.maxDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(spec.effectiveBuckets(3)).isEqualTo(12);
        assertThat(spec.modelName()).isEqualTo("churn");
        assertThat(spec.fieldFor("x")).isEqualTo("x");

        assertThatThrownBy(() -> ScoringSpec.builder().build()).hasMessageContaining("modelPath");
        assertThatThrownBy(() -> ScoringSpec.builder().modelPath("/m").batchSize(0).build())
                .hasMessageContaining("batchSize is 0");
        assertThatThrownBy(
                        () -> ScoringSpec.builder().modelPath("/m").maxDelay(Duration.ZERO).build())
                .hasMessageContaining("maxDelay");
        assertThatThrownBy(() -> ScoringSpec.builder().modelPath("/m").buckets(-1).build())
                .hasMessageContaining("buckets is -1");
    }

    @Test
    void specSurvivesJavaSerializationWithItsOutputs() throws Exception {
        ScoringSpec spec =
                ScoringSpec.builder()
                        .modelPath("/m")
                        .inputMapping(Map.of("x", "feature_x"))
                        .passthrough(List.of(PassthroughField.parse("id:long")))
                        .outputs(List.of(out("y", DType.FLOAT, -1L, 1L)))
                        .build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream oos = new ObjectOutputStream(bytes)) {
            oos.writeObject(spec);
        }
        ScoringSpec copy;
        try (ObjectInputStream ois =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (ScoringSpec) ois.readObject();
        }
        assertThat(copy.outputs()).isEqualTo(spec.outputs());
        assertThat(copy.fieldFor("x")).isEqualTo("feature_x");
        assertThat(copy.passthrough())
                .containsExactly(new PassthroughField("id", PassthroughField.Type.LONG));
        assertThat(ScoredRows.scoredRowType(copy)).isEqualTo(ScoredRows.scoredRowType(spec));
    }

    @Test
    void passthroughParsing() {
        assertThat(PassthroughField.parse("id"))
                .isEqualTo(new PassthroughField("id", PassthroughField.Type.STRING));
        assertThat(PassthroughField.parse("ok:Boolean"))
                .isEqualTo(new PassthroughField("ok", PassthroughField.Type.BOOLEAN));
        assertThatThrownBy(() -> PassthroughField.parse("x:int"))
                .hasMessageContaining("unknown type 'int'");
    }
}
