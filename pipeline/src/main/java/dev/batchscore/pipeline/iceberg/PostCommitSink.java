package dev.batchscore.pipeline.iceberg;

import java.io.IOException;
import java.util.Collection;
import java.util.function.Consumer;
import org.apache.flink.api.common.SupportsConcurrentExecutionAttempts;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPostCommitTopology;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreCommitTopology;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreWriteTopology;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.function.SerializableSupplier;
import org.apache.iceberg.flink.TableLoader;

/**
 * Iceberg's v2 sink with our own writer and post-commit topology: the pre-commit aggregator and the
 * committer are Iceberg's, the writer is {@link ParquetSinkWriter} where it can write the table
 * (else Iceberg's), and the committables the committer has committed flow on to {@code postCommit},
 * which is how the job learns that a table's last commit is done.
 *
 * <p>Iceberg's {@code IcebergSink} already implements {@link SupportsPostCommitTopology} (for table
 * maintenance, which we do not use), so its committer emits what it committed either way; this
 * wrapper only gives that stream a consumer. {@code postCommit} runs once, on the client, while the
 * job graph is translated, and is not serialized with the sink. Generic because Iceberg keeps its
 * committable type package-private.
 *
 * @param <CommT> the delegate's committable ({@code IcebergCommittable})
 * @param <WriteResultT> the delegate's writer result ({@code WriteResult})
 */
@SuppressWarnings("unchecked") // the delegate implements every interface this class implements
public final class PostCommitSink<CommT, WriteResultT>
        implements Sink<RowData>,
                SupportsPreWriteTopology<RowData>,
                SupportsCommitter<CommT>,
                SupportsPreCommitTopology<WriteResultT, CommT>,
                SupportsPostCommitTopology<CommT>,
                SupportsConcurrentExecutionAttempts {
    private static final long serialVersionUID = 1L;

    private final Sink<RowData> delegate;
    private final transient Consumer<DataStream<CommittableMessage<CommT>>> postCommit;
    private final SerializableSupplier<AutoCloseable> writerResource;
    private final ParquetSinkWriter.Factory parquet;

    /**
     * @param delegate an {@code IcebergSink}
     * @param postCommit receives the stream of committed committables
     * @param writerResource opened with every writer and closed with it (the run's claim)
     * @param table the sink's table, which {@link ParquetSinkWriter} writes when it can
     * @param rowType the rows' type
     */
    public PostCommitSink(
            Sink<RowData> delegate,
            Consumer<DataStream<CommittableMessage<CommT>>> postCommit,
            SerializableSupplier<AutoCloseable> writerResource,
            TableLoader table,
            RowType rowType) {
        if (!(delegate instanceof SupportsPreWriteTopology<?>
                && delegate instanceof SupportsPreCommitTopology<?, ?>
                && delegate instanceof SupportsCommitter<?>)) {
            throw new IllegalArgumentException(
                    "not a committing sink with pre-write and pre-commit topologies: " + delegate);
        }
        this.delegate = delegate;
        this.postCommit = postCommit;
        this.writerResource = writerResource;
        this.parquet = new ParquetSinkWriter.Factory(table, rowType);
    }

    @Override
    public SinkWriter<RowData> createWriter(WriterInitContext context) throws IOException {
        // Our Parquet writer where it can write the table: Iceberg's spends most of a scored row's
        // CPU in the sink (docs/performance.md section 16); its results are Iceberg's WriteResult.
        CommittingSinkWriter<RowData, WriteResultT> writer =
                (CommittingSinkWriter<RowData, WriteResultT>) (Object) parquet.create(context);
        if (writer == null) {
            writer = (CommittingSinkWriter<RowData, WriteResultT>) delegate.createWriter(context);
        }
        return new ResourceWriter<>(writer, writerResource.get());
    }

    /** The delegate's writer, holding {@code resource} until it is closed. */
    private static final class ResourceWriter<WriteResultT>
            implements CommittingSinkWriter<RowData, WriteResultT> {
        private final CommittingSinkWriter<RowData, WriteResultT> delegate;
        private final AutoCloseable resource;

        ResourceWriter(
                CommittingSinkWriter<RowData, WriteResultT> delegate, AutoCloseable resource) {
            this.delegate = delegate;
            this.resource = resource;
        }

        @Override
        public void write(RowData element, Context context)
                throws IOException, InterruptedException {
            delegate.write(element, context);
        }

        @Override
        public void writeWatermark(Watermark watermark) throws IOException, InterruptedException {
            delegate.writeWatermark(watermark);
        }

        @Override
        public void flush(boolean endOfInput) throws IOException, InterruptedException {
            delegate.flush(endOfInput);
        }

        @Override
        public Collection<WriteResultT> prepareCommit() throws IOException, InterruptedException {
            return delegate.prepareCommit();
        }

        @Override
        public void close() throws Exception {
            try {
                delegate.close();
            } finally {
                resource.close();
            }
        }
    }

    @Override
    public DataStream<RowData> addPreWriteTopology(DataStream<RowData> input) {
        return ((SupportsPreWriteTopology<RowData>) delegate).addPreWriteTopology(input);
    }

    @Override
    public DataStream<CommittableMessage<CommT>> addPreCommitTopology(
            DataStream<CommittableMessage<WriteResultT>> writeResults) {
        return preCommit().addPreCommitTopology(writeResults);
    }

    @Override
    public SimpleVersionedSerializer<WriteResultT> getWriteResultSerializer() {
        return preCommit().getWriteResultSerializer();
    }

    @Override
    public Committer<CommT> createCommitter(CommitterInitContext context) throws IOException {
        return ((SupportsCommitter<CommT>) delegate).createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<CommT> getCommittableSerializer() {
        return ((SupportsCommitter<CommT>) delegate).getCommittableSerializer();
    }

    @Override
    public void addPostCommitTopology(DataStream<CommittableMessage<CommT>> committables) {
        if (postCommit == null) {
            throw new IllegalStateException("PostCommitSink was deserialized before translation");
        }
        postCommit.accept(committables);
    }

    private SupportsPreCommitTopology<WriteResultT, CommT> preCommit() {
        return (SupportsPreCommitTopology<WriteResultT, CommT>) delegate;
    }
}
