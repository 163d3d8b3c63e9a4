package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.operators.BatchScoring;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.ScoringJob;
import dev.batchscore.pipeline.ScoringRun;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.kafka.KafkaSources;
import dev.batchscore.pipeline.runs.RunMarker;
import dev.batchscore.pipeline.runs.RunStatsOperator;
import dev.batchscore.pipeline.runs.SkipCommitted;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractUdfStreamOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Pins the uid of every operator of the job graph, as {@link ScoringJob#build} makes it for a plan
 * of {@link JobPlan#create} (a real broker, a real Iceberg catalog on disk, a model built by {@link
 * TestJobs#halfPlusTwo}; no job runs). A uid is where an operator's state lives in a savepoint: one
 * renamed, dropped or newly derived makes savepoints of earlier versions restore without that state
 * or not at all, so any change to this list must be deliberate.
 *
 * <p>The Iceberg sinks' parts derive their uids from the sink's ({@code iceberg-scored} for the
 * writer, {@code Sink Committer: iceberg-scored}, {@code iceberg-scored: Sink pre-commit
 * aggregator: iceberg-scored}). Flink prefixes the uid of an operator added in a sink's post-commit
 * topology with that sink's uid: the run marker, added once the second sink ({@code
 * iceberg-errors}) hands in its committables, is {@code iceberg-errors: run-marker}. Wiring the
 * sinks in the other order would move its state.
 */
class JobGraphUidsITCase {
    private static final String TOPIC = "uids";

    /** Every uid of the graph. */
    private static final Set<String> UIDS =
            Set.of(
                    KafkaSources.UID,
                    SkipCommitted.UID,
                    BatchScoring.MICRO_BATCH,
                    BatchScoring.SCORE,
                    BatchScoring.SPLIT_ERRORS,
                    "iceberg-scored",
                    "iceberg-scored: Sink pre-commit aggregator: iceberg-scored",
                    "Sink Committer: iceberg-scored",
                    "iceberg-errors",
                    "iceberg-errors: Sink pre-commit aggregator: iceberg-errors",
                    "Sink Committer: iceberg-errors",
                    "iceberg-errors: " + RunMarker.UID,
                    // The run history's counting branches beside the sinks (stateless).
                    RunStatsOperator.SCORED_UID,
                    RunStatsOperator.ERRORS_UID);

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final HalfPlusTwoModel MODEL = new HalfPlusTwoModel();

    @TempDir static Path scratch;

    @BeforeAll
    static void topic() throws Exception {
        KAFKA.createTopic(TOPIC, 2);
        List<String> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            records.add("{\"x\":" + i + ",\"id\":" + i + "}");
        }
        KAFKA.produce(TOPIC, 2, records);
    }

    /**
     * At parallelism 2 the topic's two even partitions make a streaming run batch where it reads
     * (the graph has {@link BatchScoring#LOCAL_BUCKETS}); at 3, or in batch mode, records are
     * spread with a keyBy. Either way every other uid is the same.
     */
    @ParameterizedTest
    @CsvSource({"streaming, 2", "streaming, 3", "batch, 2"})
    void everyOperatorUidIsPinnedAndEveryStatefulOperatorHasOne(
            String mode, int parallelism, TestReporter report) {
        List<String> args =
                TestJobs.jobArgs(
                        KAFKA,
                        TOPIC,
                        MODEL.path(),
                        scratch.resolve("warehouse-" + mode + parallelism),
                        "it.uids",
                        mode);
        args.addAll(List.of("--parallelism", Integer.toString(parallelism)));
        Set<String> expected = new TreeSet<>(UIDS);
        if (mode.equals("streaming") && parallelism == 2) {
            expected.add(BatchScoring.LOCAL_BUCKETS);
        }
        JobConfig config = JobConfig.fromArgs(args.toArray(new String[0]));
        JobPlan plan = JobPlan.create(config);
        StreamGraph graph;
        try {
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(
                            config.settings().execution().flinkConfiguration());
            ScoringJob.build(env, plan);
            graph = env.getStreamGraph();
        } finally {
            ScoringRun.release(plan);
        }

        Set<String> uids = new TreeSet<>();
        TreeMap<String, String> stateful = new TreeMap<>();
        List<String> withoutUid = new ArrayList<>();
        for (StreamNode node : graph.getStreamNodes()) {
            String uid = node.getTransformationUID();
            if (uid != null) {
                uids.add(uid);
            } else {
                withoutUid.add(node.getOperatorName());
            }
            if (holdsState(node)) {
                stateful.put(node.getOperatorName(), String.valueOf(uid));
            }
        }
        report.publishEntry("uids", String.join(", ", uids));
        report.publishEntry("stateful", stateful.toString());
        report.publishEntry("without uid", String.join(", ", withoutUid));

        assertThat(uids).as("uids of the %s job graph", mode).isEqualTo(expected);
        assertThat(stateful)
                .as("stateful operators (name -> uid)")
                .doesNotContainValue("null")
                // The check below would see state where there is some: the window, the source,
                // the sinks' writers and committers and the run marker.
                .containsValues(
                        KafkaSources.UID,
                        BatchScoring.MICRO_BATCH,
                        "iceberg-scored",
                        "Sink Committer: iceberg-errors",
                        "iceberg-errors: " + RunMarker.UID);
    }

    /**
     * Whether the operator may hold state in a savepoint: keyed, anything but a plain operator
     * (sources, sink writers and committers keep state), a user function that checkpoints, or an
     * operator that snapshots state of its own.
     */
    private static boolean holdsState(StreamNode node) {
        if (node.getStatePartitioners().length > 0) {
            return true;
        }
        StreamOperatorFactory<?> factory = node.getOperatorFactory();
        if (!(factory instanceof SimpleOperatorFactory<?> simple)) {
            return true;
        }
        StreamOperator<?> operator = simple.getOperator();
        if (operator instanceof AbstractUdfStreamOperator<?, ?> udf
                && udf.getUserFunction() instanceof CheckpointedFunction) {
            return true;
        }
        return ownsStateHook(operator.getClass(), "initializeState")
                || ownsStateHook(operator.getClass(), "snapshotState");
    }

    /** Whether a class below Flink's own operator bases overrides a state hook. */
    private static boolean ownsStateHook(Class<?> type, String hook) {
        for (Class<?> c = type;
                c != null
                        && c != AbstractStreamOperator.class
                        && c != AbstractUdfStreamOperator.class;
                c = c.getSuperclass()) {
            for (Method m : c.getDeclaredMethods()) {
                if (m.getName().equals(hook)) {
                    return true;
                }
            }
        }
        return false;
    }
}
