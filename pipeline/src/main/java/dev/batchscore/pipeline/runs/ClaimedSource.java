package dev.batchscore.pipeline.runs;

import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.lineage.LineageVertex;
import org.apache.flink.streaming.api.lineage.LineageVertexProvider;

/**
 * The job's source, whose split enumerator holds the run's claim ({@link ClaimKeeper#hold}) for as
 * long as it exists: it runs in the JobManager from the start of scheduling, before any slot is
 * allocated, through waits for slots and restarts, until the job ends. So the claim is renewed for
 * the whole life of the job, not only while its tasks run. Everything else delegates to the wrapped
 * source, serializers included: savepoints taken with and without this wrapper are interchangeable.
 */
public final class ClaimedSource<T, SplitT extends SourceSplit, EnumChkT>
        implements Source<T, SplitT, EnumChkT>, ResultTypeQueryable<T>, LineageVertexProvider {
    private static final long serialVersionUID = 1L;

    private final Source<T, SplitT, EnumChkT> delegate;
    private final ClaimKeeper.Lease lease;

    public ClaimedSource(Source<T, SplitT, EnumChkT> delegate, ClaimKeeper.Lease lease) {
        this.delegate = delegate;
        this.lease = lease;
    }

    @Override
    public Boundedness getBoundedness() {
        return delegate.getBoundedness();
    }

    @Override
    public SourceReader<T, SplitT> createReader(SourceReaderContext readerContext)
            throws Exception {
        return delegate.createReader(readerContext);
    }

    @Override
    public SplitEnumerator<SplitT, EnumChkT> createEnumerator(
            SplitEnumeratorContext<SplitT> context) throws Exception {
        AutoCloseable held = ClaimKeeper.hold(lease);
        return new Holding<>(delegate.createEnumerator(context), held);
    }

    @Override
    public SplitEnumerator<SplitT, EnumChkT> restoreEnumerator(
            SplitEnumeratorContext<SplitT> context, EnumChkT checkpoint) throws Exception {
        AutoCloseable held = ClaimKeeper.hold(lease);
        return new Holding<>(delegate.restoreEnumerator(context, checkpoint), held);
    }

    @Override
    public SimpleVersionedSerializer<SplitT> getSplitSerializer() {
        return delegate.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<EnumChkT> getEnumeratorCheckpointSerializer() {
        return delegate.getEnumeratorCheckpointSerializer();
    }

    @Override
    @SuppressWarnings("unchecked")
    public TypeInformation<T> getProducedType() {
        return ((ResultTypeQueryable<T>) delegate).getProducedType();
    }

    @Override
    public LineageVertex getLineageVertex() {
        return delegate instanceof LineageVertexProvider p ? p.getLineageVertex() : null;
    }

    /** The wrapped enumerator, holding the claim until it is closed. */
    private static final class Holding<SplitT extends SourceSplit, EnumChkT>
            implements SplitEnumerator<SplitT, EnumChkT> {
        private final SplitEnumerator<SplitT, EnumChkT> delegate;
        private final AutoCloseable held;

        Holding(SplitEnumerator<SplitT, EnumChkT> delegate, AutoCloseable held) {
            this.delegate = delegate;
            this.held = held;
        }

        @Override
        public void start() {
            delegate.start();
        }

        @Override
        public void handleSplitRequest(int subtaskId, String requesterHostname) {
            delegate.handleSplitRequest(subtaskId, requesterHostname);
        }

        @Override
        public void addSplitsBack(List<SplitT> splits, int subtaskId) {
            delegate.addSplitsBack(splits, subtaskId);
        }

        @Override
        public void addReader(int subtaskId) {
            delegate.addReader(subtaskId);
        }

        @Override
        public EnumChkT snapshotState(long checkpointId) throws Exception {
            return delegate.snapshotState(checkpointId);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            delegate.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void notifyCheckpointAborted(long checkpointId) throws Exception {
            delegate.notifyCheckpointAborted(checkpointId);
        }

        @Override
        public void handleSourceEvent(int subtaskId, SourceEvent sourceEvent) {
            delegate.handleSourceEvent(subtaskId, sourceEvent);
        }

        @Override
        public void close() throws IOException {
            try {
                delegate.close();
            } finally {
                try {
                    held.close();
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
        }
    }
}
