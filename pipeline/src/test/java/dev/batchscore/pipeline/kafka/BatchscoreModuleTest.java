package dev.batchscore.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.SourceTransformation;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The {@code batchscore} table module, through the real planner: a bounded Kafka table's source is
 * the connector's KafkaSource wrapped in {@link BoundedRestoreSource}; other tables are untouched.
 * (SqlITCase stops and resumes such a job on a real broker.)
 */
class BatchscoreModuleTest {
    private final StreamTableEnvironment tEnv =
            StreamTableEnvironment.create(StreamExecutionEnvironment.getExecutionEnvironment());

    @Test
    void aBoundedKafkaTableReadsThroughBoundedRestoreSource() {
        BatchscoreModule.load(tEnv);
        kafkaTable("bounded", "'scan.bounded.mode' = 'latest-offset', ");
        Source<?, ?, ?> source = sourceOf("bounded");
        assertThat(source).isInstanceOf(BoundedRestoreSource.class);
        assertThat(source.getBoundedness())
                .isEqualTo(org.apache.flink.api.connector.source.Boundedness.BOUNDED);
    }

    @Test
    void loadModuleFindsItByName() {
        tEnv.executeSql("LOAD MODULE " + BatchscoreModule.NAME);
        assertThat(tEnv.listModules()).contains(BatchscoreModule.NAME);
        kafkaTable("bounded", "'scan.bounded.mode' = 'latest-offset', ");
        assertThat(sourceOf("bounded")).isInstanceOf(BoundedRestoreSource.class);
    }

    @Test
    void otherTablesAreTheConnectorsOwn() {
        BatchscoreModule.load(tEnv);
        kafkaTable("unbounded", "");
        tEnv.executeSql(
                "CREATE TABLE generated (x INT) WITH ('connector' = 'datagen',"
                        + " 'number-of-rows' = '3')");
        assertThat(sourceOf("unbounded")).isInstanceOf(KafkaSource.class);
        // datagen is a legacy SourceFunction: it plans, and no Source of ours is in it
        assertThat(sourceOf("generated")).isNull();
    }

    @Test
    void withoutTheModuleTheKafkaSourceIsPlain() {
        kafkaTable("bounded", "'scan.bounded.mode' = 'latest-offset', ");
        assertThat(sourceOf("bounded")).isInstanceOf(KafkaSource.class);
    }

    private void kafkaTable(String name, String bounded) {
        tEnv.executeSql(
                "CREATE TABLE "
                        + name
                        + " (x FLOAT, id BIGINT) WITH ('connector' = 'kafka', 'topic' = 't',"
                        + " 'properties.bootstrap.servers' = 'localhost:9', "
                        + "'scan.startup.mode' = 'earliest-offset', "
                        + bounded
                        + "'format' = 'json')");
    }

    /**
     * Plans {@code SELECT * FROM table} into a DataStream and returns its {@link Source}, or null
     * if it reads through a legacy source function.
     */
    private Source<?, ?, ?> sourceOf(String table) {
        Deque<Transformation<?>> todo = new ArrayDeque<>();
        todo.add(tEnv.toDataStream(tEnv.from(table)).getTransformation());
        while (!todo.isEmpty()) {
            Transformation<?> t = todo.pop();
            if (t instanceof SourceTransformation<?, ?, ?> s) {
                return s.getSource();
            }
            todo.addAll(t.getInputs());
        }
        return null;
    }
}
