package dev.batchscore.pipeline;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.testing.HalfPlusTwo;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.PassthroughField.Type;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.operators.format.RecordFormats;
import dev.batchscore.pipeline.config.BatchSettings;
import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.ErrorSettings;
import dev.batchscore.pipeline.config.ExecutionSettings;
import dev.batchscore.pipeline.config.JobSettings;
import dev.batchscore.pipeline.config.ModelSettings;
import dev.batchscore.pipeline.config.RunSettings;
import dev.batchscore.pipeline.config.SinkSettings;
import dev.batchscore.pipeline.config.SourceSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The steps of {@link JobPlan#create} that need no Kafka broker, each on its own. */
class PlanStepsTest {

    @TempDir Path dir;

    private JobSettings settings(ModelSettings model, SinkSettings sink) {
        return new JobSettings(
                SourceSettings.kafka("localhost:9092", List.of("t")),
                model,
                BatchSettings.of(8),
                sink,
                ErrorSettings.defaults(),
                RunSettings.defaults(),
                ExecutionSettings.defaults());
    }

    @Test
    void modelProbeReadsOutputsVersionAndInputsFromTheModel() {
        Path base = dir.resolve("half_plus_two");
        HalfPlusTwo.build(base.resolve("00000123"));
        JobSettings settings =
                settings(ModelSettings.of(base.toString()), SinkSettings.hadoop("/wh", "a.b"));

        ModelProbe probe = ModelProbe.probe(JobPlan.specBuilder(settings).build());

        assertThat(probe.outputNames()).containsExactly(HalfPlusTwo.OUTPUT);
        assertThat(probe.version()).isEqualTo("123");
        assertThat(probe.exportDir()).isEqualTo(base.resolve("00000123"));
        assertThat(probe.inputFields()).containsExactly(HalfPlusTwo.INPUT);
        assertThat(settings.model().modelName()).isEqualTo("half_plus_two");

        JobSettings unknownInput =
                settings(
                        ModelSettings.of(base.toString()).withInput("z", "x"),
                        SinkSettings.hadoop("/wh", "a.b"));
        assertThatThrownBy(() -> ModelProbe.probe(JobPlan.specBuilder(unknownInput).build()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.input.z: signature 'serving_default' has no input");
    }

    @Test
    void passthroughIsInferredFromTheSampledRecordsWithoutModelInputs() throws Exception {
        List<byte[]> samples =
                List.of(
                        "{\"id\":\"a\",\"x\":1.0,\"n\":1,\"y\":3}".getBytes(UTF_8),
                        "{\"id\":\"b\",\"x\":2.0,\"n\":2.5,\"ok\":true}".getBytes(UTF_8));
        assertThat(
                        TablePlan.passthrough(
                                SinkSettings.hadoop("/wh", "a.b"),
                                RecordFormats.json(),
                                Optional.empty(),
                                samples,
                                Set.of("x"),
                                Set.of("y")))
                .containsExactly(
                        new PassthroughField("id", Type.STRING),
                        new PassthroughField("n", Type.DOUBLE),
                        new PassthroughField("ok", Type.BOOLEAN));
    }

    @Test
    void tablePlanChecksExistingTablesAndCreatesOnlyWhenAsked() throws Exception {
        String warehouse = dir.resolve("wh").toString();
        SinkSettings sink =
                SinkSettings.hadoop(warehouse, "demo.scored")
                        .withPartitionBy(List.of("day(_source_timestamp)", "id"));
        JobSettings settings = settings(ModelSettings.of("/m"), sink);
        var spec =
                JobPlan.specBuilder(settings)
                        .outputs(
                                List.of(
                                        new dev.batchscore.models.TensorSpec(
                                                "y",
                                                "y:0",
                                                dev.batchscore.models.DType.FLOAT,
                                                "DT_FLOAT",
                                                List.of(-1L))))
                        .passthrough(List.of(new PassthroughField("id", Type.STRING)))
                        .build();
        try (HadoopCatalog catalog =
                new HadoopCatalog(new org.apache.hadoop.conf.Configuration(), warehouse)) {
            TablePlan planned = TablePlan.load(catalog, sink).check(ScoredRows.scoredRowType(spec));
            assertThat(planned.existing()).isEmpty();
            assertThat(catalog.tableExists(TableIdentifier.parse("demo.scored"))).isFalse();
            // The errors table has no 'id': it is partitioned by the columns it has.
            assertThat(planned.errorPartitions()).containsExactly("day(_source_timestamp)");

            TablePlan created = planned.ensure(catalog);
            assertThat(created.existing()).isPresent();
            assertThat(created.existingErrors()).isPresent();
            assertThat(
                            TablePlan.load(catalog, sink)
                                    .check(ScoredRows.scoredRowType(spec))
                                    .existing())
                    .isPresent();

            catalog.createTable(
                    TableIdentifier.parse("demo.other"),
                    new Schema(Types.NestedField.optional(1, "y", Types.StringType.get())));
            SinkSettings other = SinkSettings.hadoop(warehouse, "demo.other");
            assertThatThrownBy(
                            () ->
                                    TablePlan.load(catalog, other)
                                            .check(ScoredRows.scoredRowType(spec)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("existing Iceberg table demo.other does not fit")
                    .hasMessageContaining("column 'y' is string but the job writes float");
        }
    }
}
