package dev.batchscore.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.DType;
import dev.batchscore.models.TensorSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.table.data.RowData;
import org.junit.jupiter.api.Test;

/**
 * The scoring job graph uses no generic (Kryo) types: with {@code pipeline.generic-types=false}
 * Flink itself refuses to build a graph that would, and every transformation's output type is
 * walked for a {@link GenericTypeInfo} as well.
 */
class JobGraphTypesTest {

    static ScoringSpec spec() {
        return ScoringSpec.builder()
                .modelPath("/models/example")
                .passthrough(
                        List.of(
                                new PassthroughField("id", PassthroughField.Type.STRING),
                                new PassthroughField("n", PassthroughField.Type.LONG)))
                .outputs(
                        List.of(
                                new TensorSpec(
                                        "y", "y:0", DType.FLOAT, "DT_FLOAT", List.of(-1L, 1L)),
                                new TensorSpec(
                                        "probs",
                                        "p:0",
                                        DType.DOUBLE,
                                        "DT_DOUBLE",
                                        List.of(-1L, 3L)),
                                new TensorSpec(
                                        "label", "l:0", DType.STRING, "DT_STRING", List.of(-1L))))
                .batchSize(8)
                .maxDelay(Duration.ofMillis(200))
                .build();
    }

    private static StreamExecutionEnvironment envWithoutGenericTypes() {
        Configuration config = new Configuration();
        config.set(PipelineOptions.GENERIC_TYPES, false);
        return StreamExecutionEnvironment.getExecutionEnvironment(config);
    }

    @Test
    void theScoringGraphHasNoGenericTypes() {
        StreamExecutionEnvironment env = envWithoutGenericTypes();
        DataStream<KafkaRecord> records = oneRecord(env);
        SingleOutputStreamOperator<RowData> scored = BatchScoring.score(records, spec(), 2);
        scored.sinkTo(new DiscardingSink<>()).name("scored-sink");
        scored.getSideOutput(BatchScoring.ERRORS)
                .sinkTo(new DiscardingSink<>())
                .name("errors-sink");

        List<TypeInformation<?>> generic = genericTypes(env);
        assertThat(generic).as("generic types in the graph").isEmpty();

        // Building the graph creates every serializer; with generic types disabled a Kryo one
        // throws.
        StreamGraph graph = env.getStreamGraph();
        Set<String> names = new LinkedHashSet<>();
        for (StreamNode node : graph.getStreamNodes()) {
            names.add(node.getOperatorName());
        }
        assertThat(names)
                .contains(BatchScoring.MICRO_BATCH, BatchScoring.SCORE, BatchScoring.SPLIT_ERRORS);
    }

    @Test
    void everyScoringOperatorHasAStableUid() {
        StreamExecutionEnvironment env = envWithoutGenericTypes();
        DataStream<KafkaRecord> records = oneRecord(env);
        SingleOutputStreamOperator<RowData> scored = BatchScoring.score(records, spec(), 2);

        List<String> uids = new ArrayList<>();
        for (Transformation<?> t : allTransformations(List.of(scored.getTransformation()))) {
            if (t.getUid() != null) {
                uids.add(t.getUid());
            }
        }
        assertThat(uids)
                .contains(BatchScoring.MICRO_BATCH, BatchScoring.SCORE, BatchScoring.SPLIT_ERRORS);
        assertThat(scored.getType().toString()).contains("_scored_at");
    }

    @Test
    void aSpecWithoutOutputsIsRejectedBeforeTheJobStarts() {
        StreamExecutionEnvironment env = envWithoutGenericTypes();
        DataStream<KafkaRecord> records = oneRecord(env);
        ScoringSpec noOutputs = spec().toBuilder().outputs(List.of()).build();

        assertThatThrownBy(() -> BatchScoring.score(records, noOutputs, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no model outputs");
        assertThatThrownBy(
                        () -> BatchScoring.score(records, spec().toBuilder().buckets(1).build(), 2))
                .hasMessageContaining("buckets is 1 but parallelism is 2");
    }

    @Test
    void theCheckWouldCatchAKryoType() {
        StreamExecutionEnvironment env = envWithoutGenericTypes();
        oneRecord(env)
                .map(r -> new NotAPojo(r.offset))
                .returns(new GenericTypeInfo<>(NotAPojo.class))
                .sinkTo(new DiscardingSink<>());

        List<TypeInformation<?>> generic = genericTypes(env);
        assertThat(generic).isNotEmpty();
        assertThatThrownBy(env::getStreamGraph)
                .hasStackTraceContaining("Generic types have been disabled");
    }

    /** Has no public no-arg constructor, so Flink can only serialize it with Kryo. */
    static final class NotAPojo {
        final long value;

        NotAPojo(long value) {
            this.value = value;
        }
    }

    private static DataStream<KafkaRecord> oneRecord(StreamExecutionEnvironment env) {
        return env.fromData(new KafkaRecord("t", 0, 0L, 0L, "{}".getBytes()));
    }

    /** The generic (Kryo-serialized) types among the output types of the graph in {@code env}. */
    private static List<TypeInformation<?>> genericTypes(StreamExecutionEnvironment env) {
        List<TypeInformation<?>> generic = new ArrayList<>();
        for (Transformation<?> t : allTransformations(env.getTransformations())) {
            collectGeneric(t.getOutputType(), generic);
        }
        return generic;
    }

    private static Collection<Transformation<?>> allTransformations(
            Collection<Transformation<?>> roots) {
        Set<Transformation<?>> all = new LinkedHashSet<>();
        for (Transformation<?> root : roots) {
            all.addAll(root.getTransitivePredecessors());
        }
        return all;
    }

    private static void collectGeneric(TypeInformation<?> type, List<TypeInformation<?>> found) {
        if (type instanceof GenericTypeInfo) {
            found.add(type);
        } else if (type instanceof ListTypeInfo) {
            collectGeneric(((ListTypeInfo<?>) type).getElementTypeInfo(), found);
        } else if (type instanceof MapTypeInfo) {
            collectGeneric(((MapTypeInfo<?, ?>) type).getKeyTypeInfo(), found);
            collectGeneric(((MapTypeInfo<?, ?>) type).getValueTypeInfo(), found);
        } else if (type instanceof CompositeType) {
            CompositeType<?> composite = (CompositeType<?>) type;
            for (int i = 0; i < composite.getArity(); i++) {
                collectGeneric(composite.getTypeAt(i), found);
            }
        }
    }
}
