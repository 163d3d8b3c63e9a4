package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.testing.TfServingFixtures;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.ModelAgreement;
import dev.batchscore.pipeline.ScoringRun;
import dev.batchscore.pipeline.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several models in one pass, against a real broker, Iceberg and TensorFlow: TF Serving's own
 * half_plus_two and half_plus_three exports as champions combined by their mean (0.5x + 2.5
 * exactly; half_plus_three declares its output with unknown rank, which planning resolves by a
 * probe), and half_plus_two again as a shadow reading another field that some records lack, so it
 * fails them while the champions do not.
 */
class MultiModelITCase {
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 400;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestJobs.miniCluster(1, 2);

    @TempDir static Path scratch;

    /** {@code {"x": id/4, "id": id, "x2": id/4}}, without x2 for every tenth id. */
    private static String record(long id) {
        double x = id * 0.25;
        return "{\"x\":" + x + ",\"id\":" + id + (id % 10 == 0 ? "" : ",\"x2\":" + x) + "}";
    }

    private static List<String> args(String topic, String table, Path warehouse) {
        Path two = TfServingFixtures.savedModel("saved_model_half_plus_two_cpu");
        Path three = TfServingFixtures.savedModel("saved_model_half_plus_three");
        List<String> args = TestJobs.jobArgs(KAFKA, topic, warehouse, table, "streaming");
        args.addAll(
                List.of(
                        "--models.two.path",
                        two.toString(),
                        "--models.three.path",
                        three.toString(),
                        "--models.shadow.path",
                        two.toString(),
                        "--models.shadow.role",
                        "shadow",
                        "--models.shadow.input.x",
                        "x2",
                        "--ensemble.output",
                        "ensemble_y",
                        "--ensemble.method",
                        "mean"));
        return args;
    }

    private static void produce(String topic) throws Exception {
        KAFKA.createTopic(topic, PARTITIONS);
        List<String> values = new ArrayList<>();
        for (long id = 0; id < RECORDS; id++) {
            values.add(record(id));
        }
        KAFKA.produce(topic, PARTITIONS, values);
    }

    private static void assertRows(List<Record> rows) {
        assertThat(rows).as("every record once: the shadow never drops a row").hasSize(RECORDS);
        assertThat(rows.stream().map(ExactlyOnce::position).distinct().count()).isEqualTo(RECORDS);
        assertThat(rows.stream().map(r -> r.getField("id")).distinct().count()).isEqualTo(RECORDS);
        for (Record r : rows) {
            long id = (Long) r.getField("id");
            double x = id * 0.25;
            assertThat((Float) r.getField("two_y")).isEqualTo((float) (0.5 * x + 2));
            assertThat((Float) r.getField("three_y")).isEqualTo((float) (0.5 * x + 3));
            assertThat((Double) r.getField("ensemble_y"))
                    .as("mean of record %d", id)
                    .isEqualTo(0.5 * x + 2.5);
            if (id % 10 == 0) {
                assertThat(r.getField("shadow_y")).as("shadow failed record %d", id).isNull();
            } else {
                assertThat((Float) r.getField("shadow_y")).isEqualTo((float) (0.5 * x + 2));
            }
            assertThat(r.getField(ScoredRows.MODEL)).isEqualTo("shadow,three,two");
            assertThat(r.getField("two_model_version")).isEqualTo("123");
            assertThat(r.getField("shadow_model_version")).isEqualTo("123");
            assertThat(r.getField("three_model_version")).isEqualTo("123");
        }
    }

    private static void assertShadowErrors(JobPlan plan) throws Exception {
        List<Record> errors =
                ExactlyOnce.rows(plan.catalogLoader().loadCatalog().loadTable(plan.errorsTable()));
        assertThat(errors).as("one error row per record the shadow failed").hasSize(RECORDS / 10);
        assertThat(errors.stream().map(ExactlyOnce::position).distinct().count())
                .isEqualTo(RECORDS / 10);
        assertThat(errors)
                .allSatisfy(
                        r -> {
                            assertThat(r.getField(ScoredRows.MODEL)).isEqualTo("shadow");
                            assertThat((String) r.getField(ScoredRows.ERROR_MESSAGE))
                                    .startsWith("model 'shadow': ");
                        });
    }

    @Test
    void ensembleAndShadowInOneRun() throws Exception {
        String topic = "multi-run";
        produce(topic);
        Path warehouse = scratch.resolve("warehouse-run");
        List<String> args = args(topic, "it.multi_run", warehouse);
        args.addAll(TestJobs.checkpointsAndBatches("200 ms", 2, 32, "100 ms"));
        TestJobs.Ran ran = TestJobs.run(TestJobs.plan(args));

        assertRows(ExactlyOnce.rows(ran.plan()));
        assertShadowErrors(ran.plan());
        // The shadow's failures are not the run's: every record was scored.
        assertThat((Object) ran.result().getAccumulatorResult("batchscore.recordsScored"))
                .isEqualTo((long) RECORDS);
        assertThat((Object) ran.result().getAccumulatorResult("batchscore.recordsDeadLettered"))
                .isEqualTo(0L);
        List<ModelAgreement> agreement = ModelAgreement.of(ran.result(), ran.plan().spec());
        assertThat(agreement).hasSize(1);
        ModelAgreement a = agreement.get(0);
        // champion 'three' (the first champion by name) computes 0.5x + 3, the shadow 0.5x + 2.
        assertThat(a.champion()).isEqualTo("three");
        assertThat(a.regression()).isTrue();
        assertThat(a.rows()).isEqualTo(RECORDS - RECORDS / 10);
        assertThat(a.value()).as("mean absolute difference").isEqualTo(1.0);
        assertThat(a.failed()).isEqualTo(RECORDS / 10);
    }

    @Test
    void stopAndResumeWithTwoModels(@InjectMiniCluster MiniCluster cluster) throws Exception {
        String topic = "multi-resume";
        produce(topic);
        Path warehouse = scratch.resolve("warehouse-resume");
        List<String> args = args(topic, "it.multi_resume", warehouse);
        args.addAll(ThrottlingInterceptor.jobArgs(150));
        args.addAll(TestJobs.checkpointsAndBatches("200 ms", 2, 16, "100 ms"));
        JobPlan plan = TestJobs.plan(args);
        JobClient first = TestJobs.submit(plan, "multi first");
        String savepoint =
                TestJobs.stopAfterFirstCommit(cluster, plan, first, scratch.resolve("savepoints"));
        assertThat(ExactlyOnce.rows(plan).size())
                .as("rows committed before the stop")
                .isBetween(1, RECORDS - 1);

        List<String> resumeArgs = new ArrayList<>(args);
        resumeArgs.addAll(List.of("--resume-from", savepoint));
        JobPlan resumed = TestJobs.plan(resumeArgs);
        assertThat(resumed.run().runId()).isEqualTo(plan.run().runId());
        TestJobs.built(resumed).execute("it multi resumed");
        assertThat(ScoringRun.isComplete(resumed)).isTrue();
        assertRows(ExactlyOnce.rows(resumed));
        assertShadowErrors(resumed);
    }

    /**
     * A champion that cannot score some records: with {@code drop-row} (the default) those records
     * are dead letters naming the model and have no row; with {@code null-outputs} every record has
     * a row, the failing model's columns null, and the dead letter is written all the same.
     */
    @Test
    void aChampionsFailureDropsTheRowOrNullsItsOutputs() throws Exception {
        String topic = "multi-champion-fails";
        produce(topic);
        for (String mode : List.of("drop-row", "null-outputs")) {
            String table = "it.multi_" + mode.replace('-', '_');
            Path warehouse = scratch.resolve("warehouse-" + mode);
            List<String> args = TestJobs.jobArgs(KAFKA, topic, warehouse, table, "streaming");
            args.addAll(
                    List.of(
                            "--models.two.path",
                            TfServingFixtures.savedModel("saved_model_half_plus_two_cpu")
                                    .toString(),
                            "--models.three.path",
                            TfServingFixtures.savedModel("saved_model_half_plus_three").toString(),
                            "--models.three.input.x",
                            "x2", // missing in every tenth record
                            "--errors.on-model-failure",
                            mode));
            args.addAll(TestJobs.checkpointsAndBatches("200 ms", 2, 32, "100 ms"));
            TestJobs.Ran ran = TestJobs.run(TestJobs.plan(args));
            List<Record> rows = ExactlyOnce.rows(ran.plan());
            List<Record> errors =
                    ExactlyOnce.rows(
                            ran.plan()
                                    .catalogLoader()
                                    .loadCatalog()
                                    .loadTable(ran.plan().errorsTable()));
            assertThat(errors)
                    .as("%s: one dead letter per failed record", mode)
                    .hasSize(RECORDS / 10);
            assertThat(errors)
                    .allSatisfy(
                            r -> {
                                assertThat(r.getField(ScoredRows.MODEL)).isEqualTo("three");
                                assertThat((String) r.getField(ScoredRows.ERROR_MESSAGE))
                                        .startsWith("model 'three': ");
                            });
            if (mode.equals("drop-row")) {
                assertThat(rows)
                        .as("drop-row: no row for a failed record")
                        .hasSize(RECORDS - RECORDS / 10);
                assertThat(rows).noneMatch(r -> (Long) r.getField("id") % 10 == 0);
            } else {
                assertThat(rows).as("null-outputs: every record has a row").hasSize(RECORDS);
                for (Record r : rows) {
                    long id = (Long) r.getField("id");
                    double x = id * 0.25;
                    assertThat((Float) r.getField("two_y")).isEqualTo((float) (0.5 * x + 2));
                    if (id % 10 == 0) {
                        assertThat(r.getField("three_y")).as("record %d", id).isNull();
                    } else {
                        assertThat((Float) r.getField("three_y")).isEqualTo((float) (0.5 * x + 3));
                    }
                }
            }
        }
    }

    @Test
    void aCombinerTheOutputsCannotFeedIsRefusedAtPlanning() throws Exception {
        String topic = "multi-refused";
        produce(topic);
        Path warehouse = scratch.resolve("warehouse-refused");
        // y DT_FLOAT [-1,2] (two values a row) against half_plus_two's [-1,1] (one): refused
        // before anything is created.
        List<String> wide = args(topic, "it.multi_refused", warehouse);
        int three = wide.indexOf("--models.three.path") + 1;
        wide.set(three, wideModel(scratch.resolve("wide")).toString());
        assertThatThrownBy(() -> TestJobs.plan(wide))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ensemble.inputs 'y' cannot be combined")
                .hasMessageContaining("DT_FLOAT [-1,2]")
                .hasMessageContaining("DT_FLOAT [-1,1]")
                .hasMessageNotContaining("\n");
        // A vote over float outputs is refused too.
        List<String> vote = args(topic, "it.multi_refused", warehouse);
        vote.addAll(List.of("--ensemble.method", "vote"));
        assertThatThrownBy(() -> TestJobs.plan(vote))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ensemble.method vote cannot combine ensemble.inputs 'y'");
        assertThat(Files.exists(warehouse.resolve("it").resolve("multi_refused")))
                .as("nothing created")
                .isFalse();
    }

    /** {@code x DT_FLOAT [-1,1] -> y DT_FLOAT [-1,2]}: half_plus_two's score twice in a row. */
    private static Path wideModel(Path dir) {
        Path export = dir.resolve("1");
        dev.batchscore.models.SavedModelWriter.prepare(export);
        try (org.tensorflow.Graph graph = new org.tensorflow.Graph()) {
            org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(graph);
            org.tensorflow.op.core.Placeholder<org.tensorflow.types.TFloat32> x =
                    tf.withName("x")
                            .placeholder(
                                    org.tensorflow.types.TFloat32.class,
                                    org.tensorflow.op.core.Placeholder.shape(
                                            org.tensorflow.ndarray.Shape.of(-1, 1)));
            org.tensorflow.Operand<org.tensorflow.types.TFloat32> half =
                    tf.math.add(tf.math.mul(tf.constant(0.5f), x), tf.constant(2f));
            org.tensorflow.Operand<org.tensorflow.types.TFloat32> y =
                    tf.withName("y").concat(List.of(half, half), tf.constant(1));
            dev.batchscore.models.SavedModelWriter.writePredict(graph, export, "x", x, "y", y);
        }
        return dir;
    }
}
