package dev.batchscore.pipeline.kafka;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderInfo;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.apache.flink.streaming.api.lineage.LineageVertex;
import org.apache.flink.streaming.api.lineage.LineageVertexProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded {@link Source} that finishes after a restore: it delegates everything to the wrapped
 * source (the KafkaSource) except that an enumerator restored from a checkpoint or savepoint tells
 * every reader "no more splits" once its partition discovery is done.
 *
 * <p>Why: flink-connector-kafka's {@code KafkaSourceEnumerator} only sets its {@code
 * noMoreNewPartitionSplits} flag while handling newly discovered partitions. A restored enumerator
 * already knows every partition, so discovery finds no change, the flag stays false and the readers
 * never hear that no more splits will come: they read to their stopping offsets and then wait
 * forever (FLINK-33466, FLINK-31006). Both {@code --resume-from SAVEPOINT} and a global failover
 * restore the enumerator this way.
 *
 * <p>How discovery is known to be done: the restored enumerator runs discovery as a chain of {@code
 * callAsync} calls (list partitions, then initialize splits for new ones). The context handed to it
 * counts those calls; when the last handler has run and none is outstanding, every split the
 * enumerator will ever have is assigned or pending. Readers registered then are signalled at once;
 * readers that (re-)register later are signalled after the enumerator has given them their pending
 * splits. Bounded mode runs discovery once (the KafkaSource builder turns periodic discovery off),
 * so the count reaches zero exactly once.
 *
 * <p>An {@link EnumeratorLifetime} given to it is begun with the enumerator and ended when the
 * enumerator closes: the enumerator runs in the JobManager from the start of scheduling, before any
 * slot is allocated, through waits for slots and restarts, until the job ends (the job holds its
 * run's claim this way).
 *
 * <p>The source keeps the wrapped source's split and enumerator-state serializers, so savepoints
 * taken with and without this wrapper are interchangeable under the operator uid {@code
 * kafka-source}.
 */
public final class BoundedRestoreSource<T, SplitT extends SourceSplit, EnumChkT>
        implements Source<T, SplitT, EnumChkT>, ResultTypeQueryable<T>, LineageVertexProvider {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BoundedRestoreSource.class);

    private final Source<T, SplitT, EnumChkT> delegate;
    private final MissingOffsetsGuard missingOffsets;
    private final EnumeratorLifetime lifetime;

    /** Something that lasts as long as the source's split enumerator. */
    @FunctionalInterface
    public interface EnumeratorLifetime extends Serializable {
        /** Called when the enumerator is created or restored; closed when it closes. */
        AutoCloseable begin() throws Exception;
    }

    public BoundedRestoreSource(Source<T, SplitT, EnumChkT> delegate) {
        this(delegate, null, null);
    }

    /**
     * @param missingOffsets wraps the readers so a deleted offset fails the run in one line; null
     *     to leave them as they are
     * @param lifetime begun with the enumerator, ended with it; null for none
     */
    public BoundedRestoreSource(
            Source<T, SplitT, EnumChkT> delegate,
            MissingOffsetsGuard missingOffsets,
            EnumeratorLifetime lifetime) {
        this.delegate = delegate;
        this.missingOffsets = missingOffsets;
        this.lifetime = lifetime;
    }

    @Override
    public Boundedness getBoundedness() {
        return delegate.getBoundedness();
    }

    @Override
    public SourceReader<T, SplitT> createReader(SourceReaderContext readerContext)
            throws Exception {
        SourceReader<T, SplitT> reader = delegate.createReader(readerContext);
        return missingOffsets == null ? reader : missingOffsets.wrap(reader);
    }

    @Override
    public SplitEnumerator<SplitT, EnumChkT> createEnumerator(
            SplitEnumeratorContext<SplitT> context) throws Exception {
        if (lifetime == null) {
            return delegate.createEnumerator(context);
        }
        AutoCloseable begun = lifetime.begin();
        return new WrappedEnumerator<>(delegate.createEnumerator(context), null, context, begun);
    }

    @Override
    public SplitEnumerator<SplitT, EnumChkT> restoreEnumerator(
            SplitEnumeratorContext<SplitT> context, EnumChkT checkpoint) throws Exception {
        AutoCloseable begun = lifetime == null ? null : lifetime.begin();
        if (getBoundedness() != Boundedness.BOUNDED) {
            SplitEnumerator<SplitT, EnumChkT> restored =
                    delegate.restoreEnumerator(context, checkpoint);
            return begun == null
                    ? restored
                    : new WrappedEnumerator<>(restored, null, context, begun);
        }
        DiscoveryTrackingContext<SplitT> tracking = new DiscoveryTrackingContext<>(context);
        return new WrappedEnumerator<>(
                delegate.restoreEnumerator(tracking, checkpoint), tracking, context, begun);
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

    /**
     * Signals no-more-splits to readers once discovery is done (with {@code tracking}) and ends the
     * {@link EnumeratorLifetime} on close (with {@code begun}); everything else delegates.
     */
    private static final class WrappedEnumerator<SplitT extends SourceSplit, EnumChkT>
            implements SplitEnumerator<SplitT, EnumChkT> {
        private final SplitEnumerator<SplitT, EnumChkT> delegate;
        private final SplitEnumeratorContext<SplitT> context;
        private final DiscoveryTrackingContext<SplitT> tracking;
        private final AutoCloseable begun;

        WrappedEnumerator(
                SplitEnumerator<SplitT, EnumChkT> delegate,
                DiscoveryTrackingContext<SplitT> tracking,
                SplitEnumeratorContext<SplitT> context,
                AutoCloseable begun) {
            this.delegate = delegate;
            this.context = context;
            this.tracking = tracking;
            this.begun = begun;
            if (tracking == null) {
                return;
            }
            tracking.onDiscoveryDone =
                    () -> {
                        LOG.info(
                                "Restored bounded source: partition discovery done; no more splits"
                                        + " for readers {}",
                                context.registeredReaders().keySet());
                        context.registeredReaders().keySet().forEach(context::signalNoMoreSplits);
                    };
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
            // The delegate assigns the reader's pending splits first; the signal follows them.
            delegate.addReader(subtaskId);
            if (tracking != null && tracking.discoveryDone) {
                context.signalNoMoreSplits(subtaskId);
            }
        }

        @Override
        public EnumChkT snapshotState(long checkpointId) throws Exception {
            return delegate.snapshotState(checkpointId);
        }

        @Override
        public void close() throws IOException {
            try {
                delegate.close();
            } finally {
                if (begun != null) {
                    try {
                        begun.close();
                    } catch (Exception e) {
                        LOG.warn("Ending what lasts with the enumerator failed", e);
                    }
                }
            }
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
    }

    /**
     * Counts the enumerator's one-shot async calls; runs {@code onDiscoveryDone} once, in the
     * coordinator thread, after the last outstanding handler returned.
     */
    private static final class DiscoveryTrackingContext<SplitT extends SourceSplit>
            implements SplitEnumeratorContext<SplitT> {
        private final SplitEnumeratorContext<SplitT> delegate;
        // Only touched in the coordinator thread: callAsync is called and handlers run there.
        private int outstanding;
        boolean discoveryDone;
        Runnable onDiscoveryDone = () -> {};

        DiscoveryTrackingContext(SplitEnumeratorContext<SplitT> delegate) {
            this.delegate = delegate;
        }

        @Override
        public <R> void callAsync(Callable<R> callable, BiConsumer<R, Throwable> handler) {
            outstanding++;
            delegate.callAsync(
                    callable,
                    (result, error) -> {
                        try {
                            handler.accept(result, error);
                        } finally {
                            outstanding--;
                        }
                        if (error == null && outstanding == 0 && !discoveryDone) {
                            discoveryDone = true;
                            onDiscoveryDone.run();
                        }
                    });
        }

        @Override
        public <R> void callAsync(
                Callable<R> callable,
                BiConsumer<R, Throwable> handler,
                long initialDelay,
                long period) {
            // Periodic discovery (unbounded sources only) never ends; nothing to track.
            delegate.callAsync(callable, handler, initialDelay, period);
        }

        @Override
        public SplitEnumeratorMetricGroup metricGroup() {
            return delegate.metricGroup();
        }

        @Override
        public void sendEventToSourceReader(int subtaskId, SourceEvent event) {
            delegate.sendEventToSourceReader(subtaskId, event);
        }

        @Override
        public void sendEventToSourceReader(int subtaskId, int attemptNumber, SourceEvent event) {
            delegate.sendEventToSourceReader(subtaskId, attemptNumber, event);
        }

        @Override
        public int currentParallelism() {
            return delegate.currentParallelism();
        }

        @Override
        public Map<Integer, ReaderInfo> registeredReaders() {
            return delegate.registeredReaders();
        }

        @Override
        public Map<Integer, Map<Integer, ReaderInfo>> registeredReadersOfAttempts() {
            return delegate.registeredReadersOfAttempts();
        }

        @Override
        public void assignSplits(SplitsAssignment<SplitT> newSplitAssignments) {
            delegate.assignSplits(newSplitAssignments);
        }

        @Override
        public void assignSplit(SplitT split, int subtask) {
            delegate.assignSplit(split, subtask);
        }

        @Override
        public void signalNoMoreSplits(int subtask) {
            delegate.signalNoMoreSplits(subtask);
        }

        @Override
        public void runInCoordinatorThread(Runnable runnable) {
            delegate.runInCoordinatorThread(runnable);
        }

        @Override
        public void setIsProcessingBacklog(boolean isProcessingBacklog) {
            delegate.setIsProcessingBacklog(isProcessingBacklog);
        }
    }
}
