package dev.batchscore.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WholeRunSteadyStateTest {

    @Test
    void cpuPerRecordBetweenTheProgressLinesInsideTwentyToNinetyPercent() {
        AtomicLong nanos = new AtomicLong();
        WholeRun.SteadyState steady = new WholeRun.SteadyState(nanos::get, 1_000_000);
        String[] lines = {
            "  job 1 submitted in 0.2 s",
            "     2.0 s  read 100,000 / 1,000,000 (10%)  scored 99,000",
            "     4.0 s  read 250,000 / 1,000,000 (25%)  scored 249,000",
            "     6.0 s  read 500,000 / 1,000,000 (50%)  scored 499,000",
            "     8.0 s  read 850,000 / 1,000,000 (85%)  scored 849,000",
            "    10.0 s  read 950,000 / 1,000,000 (95%)  scored 949,000",
        };
        long[] cpuMillis = {0, 1_000, 3_000, 8_000, 15_000, 20_000};
        for (int i = 0; i < lines.length; i++) {
            nanos.set(cpuMillis[i] * 1_000_000L);
            steady.onLine(lines[i]);
        }
        // 12 s of CPU over the 600,000 records read from 25% to 85%.
        assertThat(steady.cpuUsPerRow()).isCloseTo(20.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void noSteadyStateFromFewerThanTwoLinesInside() {
        WholeRun.SteadyState steady = new WholeRun.SteadyState(() -> 5, 600_000);
        steady.onLine("     2.5 s  read 98,303 / 600,000 (16%)  scored 96,768");
        steady.onLine("     4.6 s  read 325,632 / 600,000 (54%)  scored 326,656");
        assertThat(steady.cpuUsPerRow()).isNaN();
    }

    @Test
    void noSteadyStateFromLinesTooCloseTogether() {
        AtomicLong nanos = new AtomicLong();
        WholeRun.SteadyState steady = new WholeRun.SteadyState(nanos::get, 600_000);
        steady.onLine("     4.6 s  read 325,632 / 600,000 (54%)  scored 326,656");
        nanos.set(2_000_000_000L);
        steady.onLine("     6.6 s  read 325,633 / 600,000 (54%)  scored 326,656");
        assertThat(steady.cpuUsPerRow()).isNaN();
    }
}
