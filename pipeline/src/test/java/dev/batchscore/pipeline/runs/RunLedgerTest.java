package dev.batchscore.pipeline.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.types.Types;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger on a real Iceberg table in a Hadoop catalog on disk. */
class RunLedgerTest {
    @TempDir Path warehouse;

    private Table table;
    private RunLedger ledger;

    @BeforeEach
    void table() {
        HadoopCatalog catalog =
                new HadoopCatalog(new org.apache.hadoop.conf.Configuration(), warehouse.toString());
        table =
                catalog.createTable(
                        TableIdentifier.of("ns", "scored"),
                        new Schema(Types.NestedField.required(1, "x", Types.LongType.get())));
        ledger = new RunLedger(table);
    }

    private static Run run(String pipeline, String id, String start, String end) {
        return new Run(
                pipeline,
                id,
                "resume",
                SourcePositions.parse(start),
                SourcePositions.parse(end),
                "m",
                "1",
                "serving_default");
    }

    @Test
    void startedAndCompleteMarkersArePerPipeline() {
        assertThat(ledger.latestComplete("a")).isEmpty();
        Run a1 = run("a", "a1", "t:0=0,t:1=0", "t:0=10,t:1=7");
        ledger.markStarted(a1);
        assertThat(ledger.latestIncomplete("a")).contains(a1);
        assertThat(ledger.latestComplete("a")).isEmpty();

        ledger.markStarted(run("b", "b1", "t:0=0", "t:0=3"));
        ledger.markComplete(a1);
        assertThat(ledger.latestComplete("a")).contains(a1);
        assertThat(ledger.latestIncomplete("a")).isEmpty();
        assertThat(ledger.latestIncomplete("b")).map(Run::runId).contains("b1");
        assertThat(ledger.latestComplete("b")).isEmpty();

        Run a2 = run("a", "a2", "t:0=10,t:1=7", "t:0=20,t:1=9");
        ledger.markStarted(a2);
        assertThat(ledger.latestIncomplete("a")).contains(a2);
        assertThat(ledger.latestComplete("a")).contains(a1);
        assertThat(ledger.find("a", "a1")).contains(a1);
        assertThat(ledger.isComplete("a", "a2")).isFalse();
        assertThat(ledger.hasCompleteRun("b")).isFalse();
    }

    @Test
    void markersAreSnapshotsWithTheLineage() {
        Run a1 = run("a", "a1", "t:0=0", "t:0=10");
        ledger.markStarted(a1);
        table.refresh();
        Map<String, String> summary = table.currentSnapshot().summary();
        assertThat(summary)
                .containsEntry(RunLedger.RUN_EVENT, RunLedger.STARTED)
                .containsEntry(RunLedger.PIPELINE_ID, "a")
                .containsEntry(RunLedger.RUN_ID, "a1")
                .containsEntry(RunLedger.MODEL, "m")
                .containsEntry(RunLedger.MODEL_VERSION, "1")
                .containsEntry(RunLedger.MODEL_SIGNATURE, "serving_default")
                .containsEntry(RunLedger.START_POSITIONS, "t:0=0")
                .containsEntry(RunLedger.END_POSITIONS, "t:0=10")
                .doesNotContainKey("added-data-files");
    }

    @Test
    void theLastCompleteRunSurvivesSnapshotExpiry() {
        Run a1 = run("a", "a1", "t:0=0", "t:0=10");
        ledger.markStarted(a1);
        ledger.markComplete(a1);
        ledger.markStarted(run("b", "b1", "t:0=0", "t:0=3"));
        table.refresh();
        table.expireSnapshots().expireOlderThan(Long.MAX_VALUE).retainLast(1).commit();

        Run kept = ledger.latestComplete("a").orElseThrow();
        assertThat(kept.runId()).isEqualTo("a1");
        assertThat(kept.end()).isEqualTo(a1.end());
        assertThat(ledger.hasCompleteRun("a")).isTrue();
    }

    @Test
    void positionsRoundTripAndBadTextIsNamed() {
        SourcePositions p = SourcePositions.parse("orders.v2:1=40,orders.v2:0=12,x-y:3=0");
        assertThat(p.format()).isEqualTo("orders.v2:0=12,orders.v2:1=40,x-y:3=0");
        assertThat(SourcePositions.parse(p.format())).isEqualTo(p);
        assertThat(p.get(new TopicPartition("orders.v2", 1))).isEqualTo(40L);
        assertThat(p.min()).isZero();
        assertThat(
                        SourcePositions.parse("t:0=5,t:1=5")
                                .countUntil(SourcePositions.parse("t:0=9,t:1=5,t:2=3")))
                .isEqualTo(4);
        assertThatThrownBy(() -> SourcePositions.parse("t:0=5,t=7"))
                .hasMessageContaining("'t=7'")
                .hasMessageContaining("topic:partition=offset");
    }
}
