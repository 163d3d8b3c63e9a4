package dev.batchscore.pipeline.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.config.JobSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which pipeline id a run is kept under ({@link RunPlanner#pipelineId}), against the ledger of a
 * real Iceberg table in a Hadoop catalog on disk.
 */
class PipelineIdTest {
    @TempDir Path warehouse;

    private Table table;

    @BeforeEach
    void table() {
        table =
                new HadoopCatalog(new org.apache.hadoop.conf.Configuration(), warehouse.toString())
                        .createTable(
                                TableIdentifier.of("db", "scored"),
                                new Schema(
                                        Types.NestedField.required(1, "x", Types.LongType.get())));
    }

    /** A job writing db.scored from topic t with the model in {@code modelDir}. */
    private static JobSettings settings(String modelDir, String... extra) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--source.kafka.bootstrap-servers",
                                "broker:9092",
                                "--source.kafka.topic",
                                "t",
                                "--model.path",
                                "/models/" + modelDir,
                                "--sink.iceberg.catalog.warehouse",
                                "/tmp/unused",
                                "--sink.iceberg.table",
                                "db.scored"));
        args.addAll(List.of(extra));
        return JobConfig.fromArgs(args.toArray(new String[0])).settings();
    }

    private void started(String pipelineId) {
        new RunLedger(table)
                .markStarted(
                        new Run(
                                pipelineId,
                                "r-" + pipelineId,
                                "resume",
                                SourcePositions.parse("t:0=0"),
                                SourcePositions.parse("t:0=5"),
                                "m",
                                "1",
                                "serving_default",
                                PositionRanges.empty()));
    }

    @Test
    void theDefaultIsTheTableAndTopicsWhateverTheModel() {
        assertThat(RunPlanner.pipelineId(settings("churn_v1"), Optional.empty()))
                .isEqualTo("db.scored:t");
        started("db.scored:t");
        assertThat(RunPlanner.pipelineId(settings("churn_v2"), Optional.of(table)))
                .isEqualTo("db.scored:t");
    }

    @Test
    void aLedgerUnderTheEarlierDefaultGoesOnUnderIt() {
        started("db.scored:t:churn_v1");
        assertThat(RunPlanner.pipelineId(settings("churn_v2"), Optional.of(table)))
                .as("one earlier id, whatever the model is called now")
                .isEqualTo("db.scored:t:churn_v1");
        assertThat(
                        RunPlanner.pipelineId(
                                settings("churn_v2", "--pipeline.id", "nightly"),
                                Optional.of(table)))
                .as("a set pipeline.id wins")
                .isEqualTo("nightly");
    }

    @Test
    void severalEarlierPipelinesNeedThePipelineIdUnlessOneIsThisModels() {
        started("db.scored:t:champion");
        started("db.scored:t:challenger");
        assertThat(RunPlanner.pipelineId(settings("challenger"), Optional.of(table)))
                .isEqualTo("db.scored:t:challenger");
        assertThatThrownBy(() -> RunPlanner.pipelineId(settings("churn_v3"), Optional.of(table)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("db.scored:t:champion")
                .hasMessageContaining("db.scored:t:challenger")
                .hasMessageContaining("--pipeline.id");
    }
}
