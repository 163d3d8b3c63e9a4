package dev.batchscore.pipeline.iceberg;

import java.io.IOException;
import java.io.Serializable;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.flink.RowDataWrapper;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.io.PartitionedFanoutWriter;
import org.apache.iceberg.io.TaskWriter;
import org.apache.iceberg.io.UnpartitionedWriter;
import org.apache.iceberg.io.WriteResult;
import org.apache.iceberg.util.PropertyUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Iceberg sink's writer with {@link ParquetAppender} for its data files: what Iceberg's own
 * {@code IcebergSinkWriter} does (a task writer per checkpoint, rolling files at the table's target
 * size, a fan-out per partition), and the same {@link WriteResult}s for Iceberg's pre-commit
 * aggregator and committer.
 */
final class ParquetSinkWriter implements CommittingSinkWriter<RowData, WriteResult> {
    private static final Logger LOG = LoggerFactory.getLogger(ParquetSinkWriter.class);

    private final Table table;
    private final RowType rowType;
    private final ParquetFormat.AppenderFactory appenders;
    private final OutputFileFactory files;
    private final long targetFileSize;
    private TaskWriter<RowData> writer;

    ParquetSinkWriter(
            Table table, RowType rowType, ParquetFormat format, int subtask, int attempt) {
        this.table = table;
        this.rowType = rowType;
        this.appenders = new ParquetFormat.AppenderFactory(table, rowType, format);
        this.files =
                OutputFileFactory.builderFor(table, subtask, attempt)
                        .format(FileFormat.PARQUET)
                        .build();
        this.targetFileSize =
                PropertyUtil.propertyAsLong(
                        table.properties(),
                        TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
                        TableProperties.WRITE_TARGET_FILE_SIZE_BYTES_DEFAULT);
    }

    @Override
    public void write(RowData row, Context context) throws IOException {
        if (writer == null) {
            writer = newTaskWriter();
        }
        writer.write(row);
    }

    private TaskWriter<RowData> newTaskWriter() {
        PartitionSpec spec = table.spec();
        if (spec.isUnpartitioned()) {
            return new UnpartitionedWriter<>(
                    spec, FileFormat.PARQUET, appenders, files, table.io(), targetFileSize);
        }
        PartitionKey key = new PartitionKey(spec, table.schema());
        RowDataWrapper wrapper = new RowDataWrapper(rowType, table.schema().asStruct());
        return new PartitionedFanoutWriter<>(
                spec, FileFormat.PARQUET, appenders, files, table.io(), targetFileSize) {
            @Override
            protected PartitionKey partition(RowData row) {
                key.partition(wrapper.wrap(row));
                return key;
            }
        };
    }

    @Override
    public void flush(boolean endOfInput) {}

    @Override
    public Collection<WriteResult> prepareCommit() throws IOException {
        if (writer == null) {
            return List.of(WriteResult.builder().build());
        }
        WriteResult result = writer.complete();
        writer = null;
        return List.of(result);
    }

    @Override
    public void close() throws IOException {
        if (writer != null) {
            writer.close();
            writer = null;
        }
    }

    /**
     * Makes the writer on the task manager, where the table is loaded: {@link ParquetSinkWriter}
     * when {@link ParquetFormat} can write the table, else null (Iceberg's writer then).
     */
    record Factory(TableLoader loader, RowType rowType) implements Serializable {
        ParquetSinkWriter create(WriterInitContext context) throws IOException {
            Table table;
            try (TableLoader copy = loader.clone()) {
                copy.open();
                table = copy.loadTable();
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
            ParquetFormat format = ParquetFormat.of(table, rowType);
            if (format == null) {
                LOG.info("{}: Iceberg's Parquet writer (the table needs it)", table.name());
                return null;
            }
            return new ParquetSinkWriter(
                    table,
                    rowType,
                    format,
                    context.getTaskInfo().getIndexOfThisSubtask(),
                    context.getTaskInfo().getAttemptNumber());
        }
    }
}
