package dev.batchscore.pipeline.iceberg;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.FieldMetrics;
import org.apache.iceberg.Metrics;
import org.apache.iceberg.MetricsConfig;
import org.apache.iceberg.Schema;
import org.apache.iceberg.SchemaParser;
import org.apache.iceberg.io.FileAppender;
import org.apache.iceberg.io.OutputFile;
import org.apache.iceberg.parquet.ParquetSchemaUtil;
import org.apache.iceberg.parquet.ParquetUtil;
import org.apache.iceberg.shaded.org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.iceberg.shaded.org.apache.parquet.io.PositionOutputStream;
import org.apache.iceberg.shaded.org.apache.parquet.schema.MessageType;

/**
 * Writes a flat Iceberg table's rows to one Parquet data file, a column at a time ({@link
 * ParquetColumn}): the same schema, field ids, statistics and metrics as Iceberg's own Parquet
 * writer, at a fraction of its CPU per row for the rows a run writes (docs/performance.md section
 * 16). {@link ParquetFormat#columns} says which tables it can write.
 */
final class ParquetAppender implements FileAppender<RowData> {
    private final ParquetFormat format;
    private final ParquetColumn[] columns;
    private final ParquetFileWriter file;
    private final BytesInputCompressor compressor;
    private final MetricsConfig metricsConfig;
    private final Schema schema;
    private int pageRows;
    private long groupRows;
    private ParquetMetadata footer;
    private long fileLength;

    ParquetAppender(
            OutputFile output,
            Schema schema,
            RowType rowType,
            ParquetFormat format,
            MetricsConfig metricsConfig,
            BytesInputCompressor compressor)
            throws IOException {
        this.format = format;
        this.schema = schema;
        this.metricsConfig = metricsConfig;
        this.compressor = compressor;
        MessageType parquet = ParquetSchemaUtil.convert(schema, "table");
        this.columns = ParquetFormat.columns(schema, rowType, parquet, format.pageRows());
        this.file =
                new ParquetFileWriter(
                        new Output(output),
                        parquet,
                        ParquetFileWriter.Mode.OVERWRITE,
                        format.rowGroupBytes(),
                        0,
                        64,
                        Integer.MAX_VALUE,
                        true);
        file.start();
    }

    @Override
    public void add(RowData row) {
        for (ParquetColumn column : columns) {
            column.add(row);
        }
        pageRows++;
        if (pageRows == format.pageRows() || (pageRows % 128 == 0 && pageFull())) {
            endPage();
        }
    }

    private boolean pageFull() {
        for (ParquetColumn column : columns) {
            if (column.bufferedBytes() >= format.pageBytes()) {
                return true;
            }
        }
        return false;
    }

    private void endPage() {
        try {
            for (ParquetColumn column : columns) {
                column.endPage(compressor);
            }
            groupRows += pageRows;
            pageRows = 0;
            if (groupBytes() >= format.rowGroupBytes()) {
                endRowGroup();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private long groupBytes() {
        long bytes = 0;
        for (ParquetColumn column : columns) {
            bytes += column.chunkBytes();
        }
        return bytes;
    }

    private void endRowGroup() throws IOException {
        if (groupRows == 0) {
            return;
        }
        file.startBlock(groupRows);
        for (ParquetColumn column : columns) {
            column.writeChunk(file, compressor);
        }
        file.endBlock();
        groupRows = 0;
    }

    @Override
    public Metrics metrics() {
        if (footer == null) {
            throw new IllegalStateException("the file is not closed yet");
        }
        List<FieldMetrics<?>> fields = new ArrayList<>();
        for (ParquetColumn column : columns) {
            FieldMetrics<?> metrics = column.fieldMetrics();
            if (metrics != null) {
                fields.add(metrics);
            }
        }
        return ParquetUtil.footerMetrics(footer, fields.stream(), metricsConfig);
    }

    @Override
    public long length() {
        try {
            return footer != null ? fileLength : file.getPos() + groupBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public List<Long> splitOffsets() {
        if (footer == null) {
            return null;
        }
        List<Long> offsets = new ArrayList<>();
        for (BlockMetaData block : footer.getBlocks()) {
            offsets.add(block.getStartingPos());
        }
        return offsets;
    }

    @Override
    public void close() throws IOException {
        if (footer != null) {
            return;
        }
        if (pageRows > 0) {
            endPage();
        }
        endRowGroup();
        file.end(Map.of("iceberg.schema", SchemaParser.toJson(schema)));
        fileLength = file.getPos();
        footer = file.getFooter();
    }

    /** Parquet's output over Iceberg's: the table's FileIO writes the file. */
    private static final class Output
            implements org.apache.iceberg.shaded.org.apache.parquet.io.OutputFile {
        private final OutputFile file;

        Output(OutputFile file) {
            this.file = Objects.requireNonNull(file);
        }

        @Override
        public PositionOutputStream create(long blockSizeHint) {
            return stream(file.create());
        }

        @Override
        public PositionOutputStream createOrOverwrite(long blockSizeHint) {
            return stream(file.createOrOverwrite());
        }

        private static PositionOutputStream stream(org.apache.iceberg.io.PositionOutputStream out) {
            return new PositionOutputStream() {
                @Override
                public long getPos() throws IOException {
                    return out.getPos();
                }

                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public void close() throws IOException {
                    out.close();
                }
            };
        }

        @Override
        public boolean supportsBlockSize() {
            return false;
        }

        @Override
        public long defaultBlockSize() {
            return 0;
        }

        @Override
        public String getPath() {
            return file.location();
        }
    }
}
