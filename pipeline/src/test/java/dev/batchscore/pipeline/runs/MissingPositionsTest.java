package dev.batchscore.pipeline.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.kafka.KafkaOffsets;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Offsets Kafka deleted before a resume run read them: found, refused or skipped, recorded. */
class MissingPositionsTest {
    private static final TopicPartition P0 = new TopicPartition("web-events", 0);
    private static final TopicPartition P1 = new TopicPartition("web-events", 1);

    @Test
    void rangesFormatAndParseBackInTopicPartitionOrder() {
        PositionRanges ranges =
                PositionRanges.of(
                        Map.of(
                                P1,
                                new PositionRanges.Range(100, 120),
                                P0,
                                new PositionRanges.Range(100, 150),
                                new TopicPartition("a.b_c", 10),
                                new PositionRanges.Range(0, 1)));
        String text = ranges.format();
        assertThat(text).isEqualTo("a.b_c:10=0-1,web-events:0=100-150,web-events:1=100-120");
        assertThat(PositionRanges.parse(text)).isEqualTo(ranges);
        assertThat(ranges.count()).isEqualTo(71);
        assertThat(ranges.describe())
                .isEqualTo(
                        "topic 'a.b_c' partition 10 offsets 0 to 0 (1 record); topic 'web-events'"
                                + " partition 0 offsets 100 to 149 (50 records); topic 'web-events'"
                                + " partition 1 offsets 100 to 119 (20 records)");
        assertThat(PositionRanges.parse(null).isEmpty()).isTrue();
        assertThat(PositionRanges.parse("").format()).isEmpty();
    }

    @Test
    void badRangesNameTheEntry() {
        for (String bad :
                new String[] {
                    "t:0=5", "t:0=-5", "t=1-2", "t:0=1-", "t:x=1-2", "t:0=9-3", ":0=1-2"
                }) {
            assertThatThrownBy(() -> PositionRanges.parse("t:1=0-1," + bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(bad.contains("9-3") ? "9-3" : "'" + bad + "'");
        }
    }

    @Test
    void lineageCarriesTheMissingRangeOnlyWhenThereIsOne() {
        Run plain = run(PositionRanges.empty());
        assertThat(plain.lineage()).doesNotContainKey(RunLedger.MISSING_POSITIONS);
        assertThat(Run.fromSummary(plain.lineage())).isEqualTo(plain);

        Run gappy = run(PositionRanges.parse("web-events:0=100-150"));
        assertThat(gappy.lineage())
                .containsEntry(RunLedger.MISSING_POSITIONS, "web-events:0=100-150");
        assertThat(Run.fromSummary(gappy.lineage())).isEqualTo(gappy);
        assertThat(Run.fromSummary(gappy.lineage()).missing().count()).isEqualTo(50);
    }

    @Test
    void aStartBelowTheLogStartFailsNamingTopicPartitionAndRange() {
        KafkaOffsets.Range kafka =
                new KafkaOffsets.Range(
                        SourcePositions.parse("web-events:0=150,web-events:1=90").asMap(),
                        SourcePositions.parse("web-events:0=300,web-events:1=200").asMap());
        Optional<Run> last = Optional.of(lastComplete("web-events:0=100,web-events:1=100"));

        assertThatThrownBy(() -> RunPlanner.resumeStart("hourly", last, kafka, false))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("50 records that pipeline 'hourly' has not read")
                .hasMessageContaining("topic 'web-events' partition 0 offsets 100 to 149")
                .hasMessageContaining("--source.kafka.on-missing-offsets skip")
                .hasMessageNotContaining("partition 1")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

        RunPlanner.ResumeStart skipped = RunPlanner.resumeStart("hourly", last, kafka, true);
        assertThat(skipped.start().format()).isEqualTo("web-events:0=150,web-events:1=100");
        assertThat(skipped.missing().format()).isEqualTo("web-events:0=100-150");
    }

    @Test
    void noGapWhenTheLogStartIsAtOrBelowTheStart() {
        KafkaOffsets.Range kafka =
                new KafkaOffsets.Range(
                        SourcePositions.parse("t:0=100,t:1=0,t:2=7").asMap(),
                        SourcePositions.parse("t:0=300,t:1=200,t:2=9").asMap());
        // t:2 is a partition the last complete run did not know: it starts at its log start.
        RunPlanner.ResumeStart start =
                RunPlanner.resumeStart(
                        "p", Optional.of(lastComplete("t:0=100,t:1=100")), kafka, false);
        assertThat(start.start().format()).isEqualTo("t:0=100,t:1=100,t:2=7");
        assertThat(start.missing().isEmpty()).isTrue();
    }

    private static Run run(PositionRanges missing) {
        return new Run(
                "p",
                "r1",
                "resume",
                SourcePositions.parse("web-events:0=150"),
                SourcePositions.parse("web-events:0=300"),
                "m",
                "1",
                "serving_default",
                missing);
    }

    private static Run lastComplete(String end) {
        return Run.ended("p", "r0", SourcePositions.parse(end));
    }
}
