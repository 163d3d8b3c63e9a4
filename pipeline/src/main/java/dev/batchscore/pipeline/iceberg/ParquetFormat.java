package dev.batchscore.pipeline.iceberg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SortOrder;
import org.apache.iceberg.StructLike;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.deletes.EqualityDeleteWriter;
import org.apache.iceberg.deletes.PositionDeleteWriter;
import org.apache.iceberg.encryption.EncryptedOutputFile;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.FileAppenderFactory;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.shaded.org.apache.parquet.column.ColumnDescriptor;
import org.apache.iceberg.shaded.org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.CodecFactory;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;
import org.apache.iceberg.types.Types;

/**
 * The Parquet settings of a table that {@link ParquetAppender} can write, read from the table's
 * properties as Iceberg's own writer reads them. A table it cannot write as Iceberg would (another
 * file format, encryption, bloom filters, column statistics turned off, v2 pages, nested or other
 * column types) has none, and keeps Iceberg's writer; so does a table whose property {@value
 * #WRITER} is {@code iceberg}.
 */
record ParquetFormat(int pageRows, long pageBytes, long rowGroupBytes, String codec, String level) {

    /**
     * The table property that chooses the writer of the table's data files: {@code batchscore} (the
     * default) or {@code iceberg}.
     */
    static final String WRITER = "batchscore.parquet-writer";

    /** The {@code write.parquet.*} properties this writer honours; any other keeps Iceberg's. */
    private static final Set<String> HONOURED =
            Set.of(
                    TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES,
                    TableProperties.PARQUET_PAGE_SIZE_BYTES,
                    TableProperties.PARQUET_PAGE_ROW_LIMIT,
                    TableProperties.PARQUET_COMPRESSION,
                    TableProperties.PARQUET_COMPRESSION_LEVEL,
                    // its one-entry dictionaries never come near a size limit
                    TableProperties.PARQUET_DICT_SIZE_BYTES,
                    // it checks the row group's size at every page
                    TableProperties.PARQUET_ROW_GROUP_CHECK_MIN_RECORD_COUNT,
                    TableProperties.PARQUET_ROW_GROUP_CHECK_MAX_RECORD_COUNT);

    /** The table's settings, or null when Iceberg's writer must write it. */
    static ParquetFormat of(Table table, RowType rowType) {
        Map<String, String> props = table.properties();
        String fileFormat =
                props.getOrDefault(
                        TableProperties.DEFAULT_FILE_FORMAT,
                        TableProperties.DEFAULT_FILE_FORMAT_DEFAULT);
        String writer = props.getOrDefault(WRITER, "batchscore");
        if (!writer.equals("batchscore") && !writer.equals("iceberg")) {
            throw new IllegalArgumentException(
                    "table property " + WRITER + " is '" + writer + "': batchscore or iceberg");
        }
        if (writer.equals("iceberg")
                || FileFormat.fromString(fileFormat) != FileFormat.PARQUET
                || props.containsKey(TableProperties.ENCRYPTION_TABLE_KEY)) {
            return null;
        }
        for (String key : props.keySet()) {
            if ((key.startsWith("write.parquet.") && !HONOURED.contains(key))
                    || key.startsWith("parquet.")) {
                return null;
            }
        }
        ParquetFormat format =
                new ParquetFormat(
                        Integer.parseInt(
                                props.getOrDefault(
                                        TableProperties.PARQUET_PAGE_ROW_LIMIT,
                                        String.valueOf(
                                                TableProperties.PARQUET_PAGE_ROW_LIMIT_DEFAULT))),
                        Long.parseLong(
                                props.getOrDefault(
                                        TableProperties.PARQUET_PAGE_SIZE_BYTES,
                                        String.valueOf(
                                                TableProperties.PARQUET_PAGE_SIZE_BYTES_DEFAULT))),
                        Long.parseLong(
                                props.getOrDefault(
                                        TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES,
                                        String.valueOf(
                                                TableProperties
                                                        .PARQUET_ROW_GROUP_SIZE_BYTES_DEFAULT))),
                        props.getOrDefault(
                                TableProperties.PARQUET_COMPRESSION,
                                TableProperties.PARQUET_COMPRESSION_DEFAULT),
                        props.get(TableProperties.PARQUET_COMPRESSION_LEVEL));
        Schema schema = table.schema();
        return columns(
                                schema,
                                rowType,
                                org.apache.iceberg.parquet.ParquetSchemaUtil.convert(
                                        schema, "table"),
                                1)
                        == null
                ? null
                : format;
    }

    /**
     * The columns of a flat schema, each reading its field of {@code rowType} by name; null if a
     * column is nested or of a type {@link ParquetColumn} does not write.
     */
    static ParquetColumn[] columns(Schema schema, RowType rowType, MessageType parquet, int rows) {
        List<Types.NestedField> fields = schema.columns();
        List<ColumnDescriptor> descriptors = parquet.getColumns();
        if (descriptors.size() != fields.size()) {
            return null;
        }
        ParquetColumn[] columns = new ParquetColumn[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            Types.NestedField field = fields.get(i);
            int pos = rowType.getFieldNames().indexOf(field.name());
            if (pos < 0 || !field.type().isPrimitiveType()) {
                return null;
            }
            columns[i] =
                    ParquetColumn.of(
                            rowType.getTypeAt(pos), pos, descriptors.get(i), field.fieldId(), rows);
            if (columns[i] == null || !matches(field.type(), columns[i])) {
                return null;
            }
        }
        return columns;
    }

    /** Whether the Iceberg type is the one the column writes (Flink's and Iceberg's can differ). */
    private static boolean matches(org.apache.iceberg.types.Type type, ParquetColumn column) {
        switch (type.typeId()) {
            case BOOLEAN:
                return column instanceof ParquetColumn.BooleanColumn;
            case INTEGER:
            case DATE:
                return column instanceof ParquetColumn.IntColumn;
            case LONG:
            case TIMESTAMP:
                return column instanceof ParquetColumn.LongColumn;
            case FLOAT:
                return column instanceof ParquetColumn.FloatColumn;
            case DOUBLE:
                return column instanceof ParquetColumn.DoubleColumn;
            case STRING:
                return column instanceof ParquetColumn.StringColumn;
            default:
                return false;
        }
    }

    /** The page compressor of the table's codec and level (Iceberg's configuration keys). */
    BytesInputCompressor compressor() {
        Configuration conf = new Configuration(false);
        if (level != null) {
            conf.set("parquet.compression.codec.zstd.level", level);
            conf.set("zlib.compress.level", level);
            conf.set("compression.brotli.quality", level);
        }
        return new CodecFactory(conf, (int) pageBytes)
                .getCompressor(CompressionCodecName.fromConf(codec));
    }

    /** Iceberg's appender factory for data files written by {@link ParquetAppender}. */
    static final class AppenderFactory implements FileAppenderFactory<RowData> {
        private final Table table;
        private final RowType rowType;
        private final ParquetFormat format;
        private final BytesInputCompressor compressor;
        private final MetricsConfig metrics;

        AppenderFactory(Table table, RowType rowType, ParquetFormat format) {
            this.table = table;
            this.rowType = rowType;
            this.format = format;
            this.compressor = format.compressor();
            this.metrics = MetricsConfig.forTable(table);
        }

        @Override
        public FileAppender<RowData> newAppender(OutputFile file, FileFormat fileFormat) {
            try {
                return new ParquetAppender(
                        file, table.schema(), rowType, format, metrics, compressor);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public DataWriter<RowData> newDataWriter(
                EncryptedOutputFile file, FileFormat fileFormat, StructLike partition) {
            PartitionSpec spec = table.spec();
            SortOrder sortOrder = table.sortOrder();
            return new DataWriter<>(
                    newAppender(file.encryptingOutputFile(), fileFormat),
                    FileFormat.PARQUET,
                    file.encryptingOutputFile().location(),
                    spec,
                    partition,
                    file.keyMetadata(),
                    sortOrder);
        }

        @Override
        public EqualityDeleteWriter<RowData> newEqDeleteWriter(
                EncryptedOutputFile file, FileFormat format, StructLike partition) {
            throw new UnsupportedOperationException("batchscore appends only");
        }

        @Override
        public PositionDeleteWriter<RowData> newPosDeleteWriter(
                EncryptedOutputFile file, FileFormat format, StructLike partition) {
            throw new UnsupportedOperationException("batchscore appends only");
        }
    }
}
