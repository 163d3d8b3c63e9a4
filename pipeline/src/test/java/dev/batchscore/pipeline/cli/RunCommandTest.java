package dev.batchscore.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.pipeline.runs.PositionRanges;
import dev.batchscore.pipeline.runs.Run;
import dev.batchscore.pipeline.runs.SourcePositions;
import org.junit.jupiter.api.Test;

class RunCommandTest {
    @Test
    void aRunThatSkippedMissingOffsetsSaysSoInOneLine() {
        Run run =
                new Run(
                        "p",
                        "r1",
                        "resume",
                        SourcePositions.parse("t:0=150"),
                        SourcePositions.parse("t:0=300"),
                        "m",
                        "1",
                        "serving_default",
                        PositionRanges.parse("t:0=100-150"));
        assertThat(RunCommand.missingLine(run))
                .isEqualTo(
                        "skipped 50 records Kafka no longer had (source.kafka.on-missing-offsets is"
                                + " skip): topic 't' partition 0 offsets 100 to 149 (50 records);"
                                + " recorded as batchscore.missing-positions=t:0=100-150");
    }

    @Test
    void resumeCommandReplacesAnEarlierSavepointAndQuotes() {
        String line =
                RunCommand.resumeArgs(
                        new String[] {
                            "--config", "job.yaml",
                            "--resume-from", "file:/sp/old",
                            "--batch.max-delay", "2 s",
                            "--execution.state-recovery.path=file:/sp/older"
                        },
                        "file:/sp/new");
        assertThat(line)
                .isEqualTo("--config job.yaml --batch.max-delay '2 s' --resume-from file:/sp/new");
    }
}
