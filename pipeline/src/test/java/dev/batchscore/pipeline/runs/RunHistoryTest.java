package dev.batchscore.pipeline.runs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunHistoryTest {
    private static final Instant NOW = Instant.now();

    @TempDir Path warehouse;

    @Test
    void previousCompleteIsTheLastCompleteRunOfThePipelineHoweverLongAgo() throws Exception {
        Table table = history();
        RunHistory.append(
                table, row("p1", "a", NOW.minus(Duration.ofDays(40)), RunHistory.COMPLETE));
        RunHistory.append(
                table, row("p1", "b", NOW.minus(Duration.ofHours(3)), RunHistory.COMPLETE));
        RunHistory.append(
                table, row("p1", "c", NOW.minus(Duration.ofMinutes(10)), RunHistory.STOPPED));
        RunHistory.append(
                table, row("p2", "d", NOW.minus(Duration.ofMinutes(5)), RunHistory.COMPLETE));

        // The last hour holds only a stopped run of p1 (and p2's): the day before holds b.
        assertThat(RunHistory.previousComplete(table, "p1", "e"))
                .map(RunHistory.Row::runId)
                .hasValue("b");
        // b itself does not count: a is 40 days old, found without a bound.
        assertThat(RunHistory.previousComplete(table, "p1", "b"))
                .map(RunHistory.Row::runId)
                .hasValue("a");
        assertThat(RunHistory.previousComplete(table, "p2", "e"))
                .map(RunHistory.Row::runId)
                .hasValue("d");
        assertThat(RunHistory.previousComplete(table, "p3", "e")).isEmpty();
    }

    @Test
    void readsOnePipelineOrOneRunOldestFirst() throws Exception {
        Table table = history();
        RunHistory.append(
                table, row("p1", "a", NOW.minus(Duration.ofHours(2)), RunHistory.STOPPED));
        RunHistory.append(
                table, row("p2", "x", NOW.minus(Duration.ofHours(2)), RunHistory.COMPLETE));
        RunHistory.append(
                table, row("p1", "b", NOW.minus(Duration.ofHours(1)), RunHistory.COMPLETE));
        RunHistory.append(table, row("p1", "a", NOW, RunHistory.COMPLETE));

        assertThat(RunHistory.read(table, "p1"))
                .extracting(RunHistory.Row::runId)
                .containsExactly("a", "b", "a");
        assertThat(RunHistory.readRun(table, "p1", "a"))
                .extracting(RunHistory.Row::ended)
                .containsExactly(RunHistory.STOPPED, RunHistory.COMPLETE);
        assertThat(RunHistory.readRun(table, "p2", "a")).isEmpty();
        assertThat(RunHistory.read(table)).hasSize(4);
    }

    private Table history() {
        HadoopCatalog catalog = new HadoopCatalog(new Configuration(), warehouse.toString());
        return RunHistory.ensure(catalog, TableIdentifier.of("db", "t_runs"), Map.of());
    }

    private static RunHistory.Row row(String pipeline, String run, Instant finished, String ended) {
        return new RunHistory.Row(
                pipeline,
                run,
                finished.minus(Duration.ofMinutes(1)),
                finished,
                "test",
                ended,
                "m",
                "1",
                10,
                10,
                0,
                null,
                "{}",
                "{}",
                null,
                null,
                null,
                null,
                null,
                List.of(),
                List.of(),
                null,
                false);
    }
}
