package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.testing.HalfPlusTwo;
import dev.batchscore.operators.KafkaRecord;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.pipeline.BatchScoringJob;
import dev.batchscore.pipeline.config.BatchSettings;
import dev.batchscore.pipeline.config.ModelSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The typed builder embedded in a program of one's own: in-memory records in, a collecting sink
 * out, the real half_plus_two SavedModel and a real MiniCluster in between.
 */
class EmbeddedJobITCase {
    @RegisterExtension static final MiniClusterExtension FLINK = TestJobs.miniCluster(1, 2);

    /** Scores by record id, filled by the sink's writers (same JVM as the MiniCluster). */
    private static final Map<Long, Float> SCORES = new ConcurrentHashMap<>();

    @TempDir Path dir;

    @Test
    void inMemoryRecordsAreScoredIntoAnInMemorySink() throws Exception {
        Path model = TestJobs.halfPlusTwo(dir);
        List<KafkaRecord> records = new ArrayList<>();
        for (long id = 0; id < 100; id++) {
            byte[] json = ExactlyOnce.halfPlusTwoRecord(id).getBytes(StandardCharsets.UTF_8);
            records.add(new KafkaRecord("in-memory", 0, id, 0L, json));
        }
        BatchScoringJob job =
                BatchScoringJob.builder()
                        .model(ModelSettings.of(model.toString()))
                        .batching(BatchSettings.of(16))
                        .passthrough(List.of("id:long"))
                        .records(
                                env -> env.fromData(records, TypeInformation.of(KafkaRecord.class)))
                        .sinks(
                                (scored, errors, spec) -> {
                                    RowType type = ScoredRows.scoredRowType(spec);
                                    scored.sinkTo(
                                            new CollectScores(
                                                    type.getFieldIndex("id"),
                                                    type.getFieldIndex(HalfPlusTwo.OUTPUT)));
                                })
                        .build();
        // The outputs come from the model itself.
        assertThat(job.spec().outputs())
                .extracting(o -> o.key())
                .containsExactly(HalfPlusTwo.OUTPUT);
        assertThatThrownBy(job::start)
                .as("a job with its own source and sinks has no run ledger")
                .isInstanceOf(IllegalStateException.class);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        SCORES.clear();
        job.addTo(env);
        job.execute(env);

        assertThat(SCORES).hasSize(100);
        SCORES.forEach(
                (id, y) -> assertThat(y).as("y of id %d", id).isEqualTo(0.5f * (id * 0.25f) + 2f));
    }

    /** Writes (id, y) of each scored row to {@link #SCORES}. */
    private static final class CollectScores implements Sink<RowData> {
        private final int idField;
        private final int yField;

        CollectScores(int idField, int yField) {
            this.idField = idField;
            this.yField = yField;
        }

        @Override
        public SinkWriter<RowData> createWriter(WriterInitContext context) {
            return new SinkWriter<>() {
                @Override
                public void write(RowData row, Context context) {
                    SCORES.put(row.getLong(idField), row.getFloat(yField));
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
