package dev.batchscore.pipeline.kafka;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
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
import org.apache.kafka.clients.CommonClientConfigs;

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
 *
 * <p>A read_committed table bounded at {@code 'latest-offset'} stops at the last stable offsets, as
 * the DataStream job does ({@link KafkaSources#stoppingAtLatest}): the connector's end there is the
 * high watermark, which a read_committed reader never passes while a transaction is open.
 */
final class BoundedRestoreTableSource
        implements ScanTableSource, SupportsReadingMetadata, SupportsWatermarkPushDown {
    private final KafkaDynamicSource delegate;
    private final Properties clientProperties;

    /** {@code clientProperties}: the table's Kafka client properties, as the connector has them. */
    BoundedRestoreTableSource(KafkaDynamicSource delegate, Properties clientProperties) {
        this.delegate = delegate;
        this.clientProperties = clientProperties;
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
                        kafka.produceDataStream(
                                providerContext,
                                new WrappingEnvironment(execEnv, clientProperties));
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
        return new BoundedRestoreTableSource(
                (KafkaDynamicSource) delegate.copy(), clientProperties);
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
        private final Properties clientProperties;

        WrappingEnvironment(StreamExecutionEnvironment target, Properties clientProperties) {
            super(new Configuration());
            this.target = target;
            this.clientProperties = clientProperties;
        }

        @Override
        public <OUT> DataStreamSource<OUT> fromSource(
                Source<OUT, ?, ?> source,
                WatermarkStrategy<OUT> timestampsAndWatermarks,
                String sourceName,
                TypeInformation<OUT> typeInfo) {
            if (source instanceof KafkaSource<?> kafka) {
                stopAtLatest(kafka, clientProperties);
            }
            return target.fromSource(wrap(source), timestampsAndWatermarks, sourceName, typeInfo);
        }

        /**
         * Replaces the connector's {@code OffsetsInitializer.latest()} end (the high watermark) by
         * {@link KafkaSources#stoppingAtLatest}, which is the last stable offset for a
         * read_committed client. Through reflection, on the source just built for this stream: the
         * table source builds its KafkaSource itself, and a KafkaSource has no setter nor a builder
         * from an existing one.
         */
        private static void stopAtLatest(KafkaSource<?> source, Properties props) {
            String bootstrapServers =
                    props.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
            try {
                Field stopping = KafkaSource.class.getDeclaredField("stoppingOffsetsInitializer");
                stopping.setAccessible(true);
                Object end = stopping.get(source);
                if (end != null && end.getClass() == OffsetsInitializer.latest().getClass()) {
                    stopping.set(source, KafkaSources.stoppingAtLatest(bootstrapServers, props));
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException(
                        "could not set the last stable offsets as the end of a read_committed"
                                + " Kafka table ("
                                + e
                                + "); this flink-connector-kafka version is not supported by the"
                                + " batchscore module",
                        e);
            }
        }

        private static <OUT, SplitT extends SourceSplit, C> Source<OUT, SplitT, C> wrap(
                Source<OUT, SplitT, C> source) {
            return new BoundedRestoreSource<>(source);
        }
    }
}
