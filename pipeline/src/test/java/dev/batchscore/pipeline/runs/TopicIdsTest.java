package dev.batchscore.pipeline.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.SourceSettings.OnTopicRecreated;
import dev.batchscore.pipeline.kafka.KafkaOffsets;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Positions belong to a topic: its id is recorded, compared and honoured when it changed. */
class TopicIdsTest {
    private static final TopicIds OLD = TopicIds.parse("orders=AAA,users=UUU");
    private static final TopicIds NOW = TopicIds.parse("orders=BBB,users=UUU");

    @Test
    void lineageCarriesTopicIdsAndTheRecreationAndReadsThemBack() {
        Run run =
                new Run(
                        "p",
                        "r1",
                        "resume",
                        SourcePositions.parse("orders:0=0"),
                        SourcePositions.parse("orders:0=1500"),
                        "m",
                        "1",
                        "serving_default",
                        PositionRanges.empty(),
                        NOW,
                        TopicIds.parse("orders=AAA"));
        assertThat(run.lineage())
                .containsEntry(RunLedger.TOPIC_IDS, "orders=BBB,users=UUU")
                .containsEntry(RunLedger.TOPIC_RECREATED, "orders AAA -> BBB");
        assertThat(Run.fromSummary(run.lineage())).isEqualTo(run);

        Run old = Run.ended("p", "r0", SourcePositions.parse("orders:0=10"));
        assertThat(old.lineage())
                .doesNotContainKeys(RunLedger.TOPIC_IDS, RunLedger.TOPIC_RECREATED);
        assertThat(Run.fromSummary(old.lineage()).topicIds().isEmpty()).isTrue();
    }

    @Test
    void aChangedIdFailsUnlessEarliestAndAnUnknownOneIsNoChange() {
        Optional<Run> last = Optional.of(lastComplete("orders:0=1000", OLD));
        assertThatThrownBy(() -> RunPlanner.recreatedTopics("p", last, NOW, OnTopicRecreated.FAIL))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("topic 'orders'")
                .hasMessageContaining("AAA then, BBB now")
                .hasMessageContaining("--source.kafka.on-topic-recreated earliest")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(RunPlanner.recreatedTopics("p", last, NOW, OnTopicRecreated.EARLIEST))
                .isEqualTo(TopicIds.parse("orders=AAA"));

        Optional<Run> recordedBeforeIds =
                Optional.of(lastComplete("orders:0=1000", TopicIds.empty()));
        assertThat(
                        RunPlanner.recreatedTopics(
                                        "p", recordedBeforeIds, NOW, OnTopicRecreated.FAIL)
                                .isEmpty())
                .isTrue();
    }

    @Test
    void aRecreatedTopicStartsAtItsLogStartWhateverTheLastRunRead() {
        KafkaOffsets.Range kafka =
                new KafkaOffsets.Range(
                        SourcePositions.parse("orders:0=0,users:0=40").asMap(),
                        SourcePositions.parse("orders:0=500,users:0=90").asMap());
        Optional<Run> last = Optional.of(lastComplete("orders:0=1000,users:0=50", OLD));
        // Without the recreation, orders ending below the last run's end is a truncation.
        assertThatThrownBy(() -> RunPlanner.resumeStart("p", last, kafka, false))
                .hasMessageContaining("truncated");
        RunPlanner.ResumeStart start =
                RunPlanner.resumeStart("p", last, kafka, false, Set.of("orders"));
        assertThat(start.start().format()).isEqualTo("orders:0=0,users:0=50");
        assertThat(start.missing().isEmpty()).isTrue();
    }

    @Test
    void rowsOfRunsThatReadAnEarlierTopicOfTheNameAreNotCommittedPositions() {
        CommittedPositions.Collector collector =
                new CommittedPositions.Collector(
                        SourcePositions.parse("orders:0=0,users:0=0"),
                        SourcePositions.parse("orders:0=100,users:0=100"),
                        Map.of("orders", Set.of("old-run")));
        collector.add("orders", 0, 5, "old-run");
        collector.add("orders", 0, 6, "new-run");
        collector.add("users", 0, 5, "old-run");
        CommittedPositions committed = collector.build();
        assertThat(committed.contains("orders", 0, 5)).isFalse();
        assertThat(committed.contains("orders", 0, 6)).isTrue();
        assertThat(committed.contains("users", 0, 5)).isTrue();
    }

    private static Run lastComplete(String end, TopicIds ids) {
        return new Run(
                "p",
                "r0",
                "resume",
                null,
                SourcePositions.parse(end),
                null,
                null,
                null,
                PositionRanges.empty(),
                ids,
                TopicIds.empty());
    }
}
