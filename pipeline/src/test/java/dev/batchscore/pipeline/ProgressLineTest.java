package dev.batchscore.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressLineTest {

    @Test
    void showsReadOfTheTotalRowsPerSecondAndAnEta() {
        String line = ProgressLine.format(10.0, 40_000, 100_000, 39_500, 8_200, "RUNNING");
        // 40,000 read in 10 s: 60,000 left at 4,000/s is 15 s.
        assertThat(line)
                .isEqualTo(
                        "  10.0 s  read 40,000 / 100,000 (40%)  scored 39,500  8,200 rows/s"
                                + "  ETA 15 s  [RUNNING]");
    }

    @Test
    void withoutATotalThereIsNoEta() {
        assertThat(ProgressLine.format(2.0, 500, -1, -1, 0, "RUNNING"))
                .isEqualTo("   2.0 s  read 500  [RUNNING]");
        assertThat(ProgressLine.duration(185)).isEqualTo("3 min 05 s");
        assertThat(ProgressLine.duration(3720)).isEqualTo("1 h 02 min");
    }

    @Test
    void aTerminalGetsOneLineRewrittenInPlaceAndAPipePlainLines() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProgressLine p =
                new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), true)) {
            p.show("read 1,000,000");
            p.show("read 2");
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo("\r  read 1,000,000\r  read 2" + " ".repeat(8) + System.lineSeparator());

        bytes.reset();
        try (ProgressLine p =
                new ProgressLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), false)) {
            p.show("read 1");
            p.show("read 2");
        }
        assertThat(bytes.toString(StandardCharsets.UTF_8))
                .isEqualTo(
                        "  read 1" + System.lineSeparator() + "  read 2" + System.lineSeparator());
    }
}
