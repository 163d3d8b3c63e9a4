package dev.batchscore.pipeline.kafka;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.SourceTransformation;
import org.apache.flink.streaming.connectors.kafka.table.KafkaDynamicSource;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.ProviderContext;
import org.apache.flink.table.connector.source.DataStreamScanProvider;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.ScanTableSource;
import org.apache.flink.table.connector.source.abilities.SupportsReadingMetadata;
import org.apache.flink.table.connector.source.abilities.SupportsWatermarkPushDown;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.DataType;

/**
 * The Kafka SQL connector's table source ({@code 'connector' = 'kafka'} or {@code upsert-kafka}),
 * with the KafkaSource of a bounded table ({@code scan.bounded.mode}) wrapped in {@link
 * BoundedRestoreSource}, so that a SQL job resumed from a savepoint (or restarted from a
 * checkpoint) finishes like the DataStream job does (FLINK-33466). Everything else, the abilities
 * the planner pushes into the source included, goes to the connector's {@link KafkaDynamicSource}.
 *
 * <p>The connector builds its KafkaSource inside its {@link DataStreamScanProvider}, which hands it
 * to {@code execEnv.fromSource(...)} and then sets the uid the planner generated: this class passes
 * the provider an environment whose {@code fromSource} wraps the source and delegates to the
 * planner's environment, so the stream, its name and uid are the connector's own, and the job graph
 * (hence the savepoint's operator ids) is the same with and without the wrapper.
 */
final class BoundedRestoreTableSource
        implements ScanTableSource, SupportsReadingMetadata, SupportsWatermarkPushDown {
    private final KafkaDynamicSource delegate;

    BoundedRestoreTableSource(KafkaDynamicSource delegate) {
        this.delegate = delegate;
    }

    @Override
    public ScanRuntimeProvider getScanRuntimeProvider(ScanContext context) {
        ScanRuntimeProvider provider = delegate.getScanRuntimeProvider(context);
        if (!(provider instanceof DataStreamScanProvider kafka) || !kafka.isBounded()) {
            return provider;
        }
        return new DataStreamScanProvider() {
            @Override
            public DataStream<RowData> produceDataStream(
                    ProviderContext providerContext, StreamExecutionEnvironment execEnv) {
                DataStream<RowData> stream =
                        kafka.produceDataStream(providerContext, new WrappingEnvironment(execEnv));
                // Fail loudly, not with a job that hangs after a restore, if the connector ever
                // builds its stream another way.
                if (!(stream.getTransformation() instanceof SourceTransformation<?, ?, ?> t
                        && t.getSource() instanceof BoundedRestoreSource)) {
                    throw new IllegalStateException(
                            "the Kafka SQL connector's source of "
                                    + delegate.asSummaryString()
                                    + " was not built through fromSource(); this"
                                    + " flink-connector-kafka version is not supported by the"
                                    + " batchscore module");
                }
                return stream;
            }

            @Override
            public boolean isBounded() {
                return true;
            }

            @Override
            public Optional<Integer> getParallelism() {
                return kafka.getParallelism();
            }
        };
    }

    @Override
    public ChangelogMode getChangelogMode() {
        return delegate.getChangelogMode();
    }

    @Override
    public DynamicTableSource copy() {
        return new BoundedRestoreTableSource((KafkaDynamicSource) delegate.copy());
    }

    @Override
    public String asSummaryString() {
        return delegate.asSummaryString();
    }

    @Override
    public Map<String, DataType> listReadableMetadata() {
        return delegate.listReadableMetadata();
    }

    @Override
    public void applyReadableMetadata(List<String> metadataKeys, DataType producedDataType) {
        delegate.applyReadableMetadata(metadataKeys, producedDataType);
    }

    @Override
    public boolean supportsMetadataProjection() {
        return delegate.supportsMetadataProjection();
    }

    @Override
    public void applyWatermark(WatermarkStrategy<RowData> watermarkStrategy) {
        delegate.applyWatermark(watermarkStrategy);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BoundedRestoreTableSource other && delegate.equals(other.delegate);
    }

    @Override
    public int hashCode() {
        return delegate.hashCode();
    }

    /**
     * Only {@code fromSource} is used: it wraps the source and adds it to the planner's environment
     * (the stream returned belongs to that one).
     */
    private static final class WrappingEnvironment extends StreamExecutionEnvironment {
        private final StreamExecutionEnvironment target;

        WrappingEnvironment(StreamExecutionEnvironment target) {
            super(new Configuration());
            this.target = target;
        }

        @Override
        public <OUT> DataStreamSource<OUT> fromSource(
                Source<OUT, ?, ?> source,
                WatermarkStrategy<OUT> timestampsAndWatermarks,
                String sourceName,
                TypeInformation<OUT> typeInfo) {
            return target.fromSource(wrap(source), timestampsAndWatermarks, sourceName, typeInfo);
        }

        private static <OUT, SplitT extends SourceSplit, C> Source<OUT, SplitT, C> wrap(
                Source<OUT, SplitT, C> source) {
            return new BoundedRestoreSource<>(source);
        }
    }
}
