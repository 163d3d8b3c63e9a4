package dev.batchscore.pipeline.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.pipeline.config.ConfigException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Table creation and compatibility checks against a real Hadoop catalog on local disk. */
class IcebergTablesTest {
    @TempDir Path warehouse;
    private HadoopCatalog catalog;

    private static final RowType ROWS =
            RowType.of(
                    new org.apache.flink.table.types.logical.LogicalType[] {
                        new VarCharType(VarCharType.MAX_LENGTH),
                        new FloatType(),
                        new VarCharType(false, VarCharType.MAX_LENGTH),
                        new LocalZonedTimestampType(false, 3)
                    },
                    new String[] {"id", "score", "_source_topic", "_source_timestamp"});

    @BeforeEach
    void open() {
        catalog =
                new HadoopCatalog(new org.apache.hadoop.conf.Configuration(), warehouse.toString());
    }

    @AfterEach
    void close() throws Exception {
        catalog.close();
    }

    @Test
    void createsTheTableWithPartitionsAndProperties() {
        TableIdentifier id = TableIdentifier.parse("demo.scored");
        Table table =
                IcebergTables.ensureTable(
                        catalog,
                        id,
                        ROWS,
                        List.of("day(_source_timestamp)", "bucket(8, id)"),
                        Map.of("write.format.default", "orc"));

        assertThat(table.schema().findField("_source_topic").isRequired()).isTrue();
        assertThat(table.schema().findField("id").isOptional()).isTrue();
        assertThat(table.spec().fields()).hasSize(2);
        assertThat(table.spec().fields().get(0).transform().toString()).isEqualTo("day");
        assertThat(table.properties()).containsEntry("write.format.default", "orc");

        // a second run finds it and accepts it
        Table again = IcebergTables.ensureTable(catalog, id, ROWS, List.of(), Map.of());
        assertThat(again.schema().sameSchema(table.schema())).isTrue();
    }

    @Test
    void rejectsAnIncompatibleExistingTableNamingEveryProblem() {
        TableIdentifier id = TableIdentifier.parse("demo.other");
        RowType existing =
                RowType.of(
                        new org.apache.flink.table.types.logical.LogicalType[] {
                            new BigIntType(), new IntType(false)
                        },
                        new String[] {"score", "must_have"});
        IcebergTables.ensureTable(catalog, id, existing, List.of(), Map.of());

        assertThatThrownBy(() -> IcebergTables.ensureTable(catalog, id, ROWS, List.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("existing Iceberg table demo.other does not fit")
                .hasMessageContaining("column 'id' (string) is missing")
                .hasMessageContaining("column 'score' is long but the job writes float")
                .hasMessageContaining("required column 'must_have' is not written");
    }

    @Test
    void partitionSpecErrorsNameTheEntry() {
        var schema = IcebergTables.schemaOf(ROWS);
        assertThat(IcebergTables.partitionSpec(schema, List.of()))
                .isEqualTo(PartitionSpec.unpartitioned());
        assertThat(IcebergTables.partitionSpec(schema, List.of("id", "truncate(4, id)")).fields())
                .hasSize(2);
        assertThatThrownBy(() -> IcebergTables.partitionSpec(schema, List.of("day(nope)")))
                .hasMessageContaining("'day(nope)'")
                .hasMessageContaining("no column 'nope'");
        assertThatThrownBy(() -> IcebergTables.partitionSpec(schema, List.of("bucket(id)")))
                .hasMessageContaining("needs a number");
        assertThatThrownBy(
                        () ->
                                IcebergTables.partitionSpec(
                                        schema, List.of("week(_source_timestamp)")))
                .hasMessageContaining("unknown transform 'week'");
    }
}
