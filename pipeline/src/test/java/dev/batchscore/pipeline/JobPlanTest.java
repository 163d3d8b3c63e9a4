package dev.batchscore.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.PassthroughField.Type;
import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.config.ModelSettings;
import dev.batchscore.pipeline.config.RequiredKeys;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobPlanTest {
    @TempDir Path dir;

    private static JobConfig config(Map<String, Object> extra) {
        Map<String, Object> m = RequiredKeys.map();
        m.putAll(extra);
        return JobConfig.of(Map.of(), "", m);
    }

    private static List<PassthroughField> passthrough(
            JobConfig config, Optional<Table> existing, Set<String> inputs, Set<String> outputs) {
        return TablePlan.passthrough(
                config.settings().sink(),
                config.settings().source().format(),
                existing,
                List.of(),
                inputs,
                outputs);
    }

    @Test
    void modelNameSkipsTfServingVersionDirectories() {
        assertThat(ModelSettings.defaultName("/models/sentiment/3")).isEqualTo("sentiment");
        assertThat(ModelSettings.defaultName("/models/sentiment")).isEqualTo("sentiment");
        assertThat(ModelSettings.defaultName("/models/half_plus_two_v2/"))
                .isEqualTo("half_plus_two_v2");
    }

    @Test
    void explicitPassthroughIsParsedAndMustNotShadowOutputs() {
        JobConfig config = config(Map.of("output.passthrough", "id, price:double, ok:boolean"));
        assertThat(passthrough(config, Optional.empty(), Set.of("text"), Set.of("sentiment")))
                .containsExactly(
                        new PassthroughField("id", Type.STRING),
                        new PassthroughField("price", Type.DOUBLE),
                        new PassthroughField("ok", Type.BOOLEAN));

        JobConfig clash = config(Map.of("output.passthrough", "id, sentiment"));
        assertThatThrownBy(
                        () -> passthrough(clash, Optional.empty(), Set.of(), Set.of("sentiment")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'sentiment' clashes");

        // Parsed with the rest of the configuration, before anything is planned.
        assertThatThrownBy(() -> config(Map.of("output.passthrough", "id:date")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("output.passthrough")
                .hasMessageContaining("unknown type 'date'");
    }

    @Test
    void passthroughDefaultsToTheExistingTablesOtherColumns() throws Exception {
        try (HadoopCatalog catalog =
                new HadoopCatalog(new org.apache.hadoop.conf.Configuration(), dir.toString())) {
            Schema schema =
                    new Schema(
                            Types.NestedField.optional(1, "review_id", Types.StringType.get()),
                            Types.NestedField.optional(2, "rating", Types.LongType.get()),
                            Types.NestedField.optional(3, "sentiment", Types.FloatType.get()),
                            Types.NestedField.required(4, "_source_offset", Types.LongType.get()));
            Table table = catalog.createTable(TableIdentifier.parse("demo.scored"), schema);

            assertThat(
                            passthrough(
                                    config(Map.of()),
                                    Optional.of(table),
                                    Set.of(),
                                    Set.of("sentiment")))
                    .containsExactly(
                            new PassthroughField("review_id", Type.STRING),
                            new PassthroughField("rating", Type.LONG));
        }
    }
}
