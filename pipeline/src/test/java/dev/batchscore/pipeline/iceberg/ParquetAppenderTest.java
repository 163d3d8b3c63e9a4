package dev.batchscore.pipeline.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.sink.RowDataTaskWriterFactory;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.TaskWriter;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.shaded.org.apache.parquet.column.statistics.Statistics;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our Parquet writer against Iceberg's own, on a real Hadoop catalog: the same rows written by each
 * read back the same through Iceberg's reader, and each file's metrics (counts, NaN counts, bounds)
 * are the ones Iceberg's writer computes, over pages that are constant, that change value, that
 * hold nulls, NaN and both zeros, and over several row groups.
 */
class ParquetAppenderTest {
    private static final Schema SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "id", Types.StringType.get()),
                    Types.NestedField.optional(2, "name", Types.StringType.get()),
                    Types.NestedField.optional(3, "score", Types.FloatType.get()),
                    Types.NestedField.required(4, "value", Types.DoubleType.get()),
                    Types.NestedField.optional(5, "count", Types.IntegerType.get()),
                    Types.NestedField.required(6, "offset", Types.LongType.get()),
                    Types.NestedField.optional(7, "flag", Types.BooleanType.get()),
                    Types.NestedField.optional(8, "day", Types.DateType.get()),
                    Types.NestedField.required(9, "scored_at", Types.TimestampType.withZone()),
                    Types.NestedField.optional(10, "local", Types.TimestampType.withoutZone()),
                    Types.NestedField.required(11, "_run_id", Types.StringType.get()),
                    Types.NestedField.required(12, "_model", Types.StringType.get()),
                    Types.NestedField.optional(13, "partition", Types.IntegerType.get()));

    private static final RowType ROW_TYPE = FlinkSchemaUtil.convert(SCHEMA);
    private static final int ROWS = 23_456;

    @TempDir Path warehouse;
    private HadoopCatalog catalog;

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
    void writesWhatIcebergWritesWithTheSameMetrics() throws Exception {
        Map<String, String> props =
                Map.of(
                        "write.parquet.page-row-limit", "2000",
                        "write.parquet.row-group-size-bytes", "200000");
        Table ours = table("ours", PartitionSpec.unpartitioned(), props);
        Table iceberg = table("iceberg", PartitionSpec.unpartitioned(), props);
        List<RowData> rows = rows();

        List<DataFile> ourFiles = writeOurs(ours, rows);
        List<DataFile> icebergFiles = writeIceberg(iceberg, rows);

        assertThat(read(ours)).isEqualTo(read(iceberg)).hasSize(ROWS);
        assertThat(ourFiles).hasSize(1);
        DataFile a = ourFiles.get(0);
        DataFile b = icebergFiles.get(0);
        assertThat(a.recordCount()).isEqualTo(ROWS);
        assertThat(a.valueCounts()).isEqualTo(b.valueCounts());
        assertThat(a.nullValueCounts()).isEqualTo(b.nullValueCounts());
        assertThat(a.nanValueCounts()).isEqualTo(b.nanValueCounts());
        assertThat(a.lowerBounds()).isEqualTo(b.lowerBounds());
        assertThat(a.upperBounds()).isEqualTo(b.upperBounds());
        assertThat(a.splitOffsets()).hasSizeGreaterThan(1); // several row groups
        assertThat(footerStats(a)).isEqualTo(footerStats(b));
        assertThat(a.fileSizeInBytes()).isLessThan(b.fileSizeInBytes() * 2);
    }

    @Test
    void writesPartitionedTables() throws Exception {
        PartitionSpec spec = PartitionSpec.builderFor(SCHEMA).identity("partition").build();
        Table ours = table("partitioned", spec, Map.of());
        List<RowData> rows = rows();

        List<DataFile> files = writeOurs(ours, rows);

        assertThat(files).hasSize(3); // 0, 1 and null
        Table iceberg = table("partitioned_iceberg", spec, Map.of());
        writeIceberg(iceberg, rows);
        assertThat(read(ours)).isEqualTo(read(iceberg));
    }

    @Test
    void leavesTablesItCannotWriteToIceberg() {
        Table orc =
                table("orc", PartitionSpec.unpartitioned(), Map.of("write.format.default", "orc"));
        Table bloom =
                table(
                        "bloom",
                        PartitionSpec.unpartitioned(),
                        Map.of("write.parquet.bloom-filter-enabled.column.id", "true"));
        Table chosen =
                table(
                        "chosen",
                        PartitionSpec.unpartitioned(),
                        Map.of(ParquetFormat.WRITER, "iceberg"));
        Table nested =
                catalog.createTable(
                        TableIdentifier.of("db", "nested"),
                        new Schema(
                                Types.NestedField.required(
                                        1,
                                        "scores",
                                        Types.ListType.ofRequired(2, Types.FloatType.get()))));

        assertThat(
                        ParquetFormat.of(
                                table("plain", PartitionSpec.unpartitioned(), Map.of()), ROW_TYPE))
                .isNotNull();
        assertThat(ParquetFormat.of(orc, ROW_TYPE)).isNull();
        assertThat(ParquetFormat.of(bloom, ROW_TYPE)).isNull();
        assertThat(ParquetFormat.of(chosen, ROW_TYPE)).isNull();
        assertThat(ParquetFormat.of(nested, FlinkSchemaUtil.convert(nested.schema()))).isNull();
    }

    private Table table(String name, PartitionSpec spec, Map<String, String> props) {
        return catalog.createTable(TableIdentifier.of("db", name), SCHEMA, spec, props);
    }

    /**
     * Rows whose columns are unique (id, offset), random with nulls, NaN and both zeros (name,
     * score, count, flag), constant for the run (the same StringData object each row, as a run's
     * metadata), constant per page then changing ({@code _model} changes value after 5,000 rows),
     * or low-cardinality (partition).
     */
    private static List<RowData> rows() {
        Random random = new Random(42);
        StringData runId = StringData.fromString("0f8fad5b-d9cb-469f-a165-70867728950e");
        long base =
                OffsetDateTime.of(2026, 12, 7, 4, 0, 0, 0, ZoneOffset.UTC)
                        .toInstant()
                        .toEpochMilli();
        float[] floats = {0.0f, -0.0f, Float.NaN, 1.5f, -2.25f};
        List<RowData> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            GenericRowData row = new GenericRowData(SCHEMA.columns().size());
            row.setField(0, StringData.fromString(String.format("r-%08d", i)));
            row.setField(
                    1,
                    random.nextInt(5) == 0
                            ? null
                            : StringData.fromString(
                                    random.nextBoolean() ? "" : "naïve " + random.nextInt(100)));
            row.setField(
                    2,
                    i >= 6000 && i < 8000
                            ? (Object) Float.NaN // a page of NaN only
                            : random.nextInt(7) == 0
                                    ? null
                                    : random.nextBoolean()
                                            ? floats[random.nextInt(floats.length)]
                                            : (float) random.nextGaussian());
            row.setField(3, random.nextGaussian() * 1e6);
            row.setField(4, i < 3000 ? null : (Object) (random.nextInt(2000) - 1000));
            row.setField(5, 1_000_000L + i);
            row.setField(6, random.nextInt(3) == 0 ? null : random.nextBoolean());
            row.setField(
                    7,
                    random.nextInt(4) == 0
                            ? null
                            : (int) LocalDate.of(2026, 1, 1).toEpochDay() + random.nextInt(300));
            row.setField(8, TimestampData.fromEpochMillis(base + i / 512 * 1000, (i % 7) * 1000));
            row.setField(
                    9, random.nextInt(9) == 0 ? null : TimestampData.fromEpochMillis(base - i));
            row.setField(10, runId);
            row.setField(11, StringData.fromString(i < 5000 ? "tabular" : "tabular-v2"));
            row.setField(12, random.nextInt(10) == 0 ? null : (Object) (i % 2));
            rows.add(row);
        }
        return rows;
    }

    private static List<DataFile> writeOurs(Table table, List<RowData> rows) throws Exception {
        ParquetFormat format = ParquetFormat.of(table, ROW_TYPE);
        assertThat(format).isNotNull();
        ParquetSinkWriter writer = new ParquetSinkWriter(table, ROW_TYPE, format, 0, 1);
        for (RowData row : rows) {
            writer.write(row, null);
        }
        List<DataFile> files = new ArrayList<>();
        for (WriteResult result : writer.prepareCommit()) {
            files.addAll(List.of(result.dataFiles()));
        }
        writer.close();
        commit(table, files);
        return files;
    }

    private static List<DataFile> writeIceberg(Table table, List<RowData> rows) throws Exception {
        RowDataTaskWriterFactory factory =
                new RowDataTaskWriterFactory(
                        table,
                        ROW_TYPE,
                        Long.MAX_VALUE,
                        FileFormat.PARQUET,
                        table.properties(),
                        null,
                        false);
        factory.initialize(0, 1);
        TaskWriter<RowData> writer = factory.create();
        for (RowData row : rows) {
            writer.write(row);
        }
        List<DataFile> files = List.of(writer.complete().dataFiles());
        commit(table, files);
        return files;
    }

    private static void commit(Table table, List<DataFile> files) {
        var append = table.newAppend();
        files.forEach(append::appendFile);
        append.commit();
    }

    /** Each column's Parquet statistics over the file's row groups, as readers see them. */
    private static Map<String, String> footerStats(DataFile file) throws Exception {
        Map<String, String> stats = new java.util.TreeMap<>();
        try (ParquetFileReader reader =
                ParquetFileReader.open(
                        HadoopInputFile.fromPath(
                                new org.apache.hadoop.fs.Path(file.location()),
                                new org.apache.hadoop.conf.Configuration()))) {
            Map<String, Statistics<?>> merged = new java.util.HashMap<>();
            for (BlockMetaData block : reader.getFooter().getBlocks()) {
                for (ColumnChunkMetaData column : block.getColumns()) {
                    merged.merge(
                            column.getPath().toDotString(),
                            column.getStatistics(),
                            (x, y) -> {
                                Statistics<?> sum =
                                        Statistics.createStats(column.getPrimitiveType());
                                sum.mergeStatistics(x);
                                sum.mergeStatistics(y);
                                return sum;
                            });
                }
            }
            merged.forEach((column, s) -> stats.put(column, s.toString()));
        }
        return stats;
    }

    private static List<String> read(Table table) throws Exception {
        table.refresh();
        List<String> rows = new ArrayList<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
            for (Record record : records) {
                rows.add(record.toString());
            }
        }
        rows.sort(Comparator.naturalOrder());
        return rows;
    }
}
