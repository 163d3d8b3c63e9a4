package dev.batchscore.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.pipeline.cli.Main;
import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.runs.Savepoints;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.junit.jupiter.api.Test;

/** The command-line side of stop and resume: flags, messages, and what reaches Flink. */
class StopAndResumeArgsTest {
    private static final String[] REQUIRED = {
        "--source.kafka.bootstrap-servers", "localhost:9092",
        "--source.kafka.topic", "t",
        "--model.path", "/m",
        "--sink.iceberg.catalog.warehouse", "/w",
        "--sink.iceberg.table", "a.b",
    };

    private static String[] with(String... more) {
        String[] args = new String[REQUIRED.length + more.length];
        System.arraycopy(REQUIRED, 0, args, 0, REQUIRED.length);
        System.arraycopy(more, 0, args, REQUIRED.length, more.length);
        return args;
    }

    @Test
    void resumeFromIsFlinksStateRecoveryPath() {
        Configuration flink =
                JobConfig.fromArgs(with("--resume-from", "file:/sp/savepoint-1"))
                        .settings()
                        .execution()
                        .flinkConfiguration();
        assertThat(flink.get(StateRecoveryOptions.SAVEPOINT_PATH))
                .isEqualTo("file:/sp/savepoint-1");
        assertThat(
                        JobConfig.fromArgs(with("--execution.state-recovery.path", "file:/sp/x"))
                                .settings()
                                .execution()
                                .flinkConfiguration()
                                .get(StateRecoveryOptions.SAVEPOINT_PATH))
                .isEqualTo("file:/sp/x");
        assertThat(
                        JobConfig.fromArgs(REQUIRED)
                                .settings()
                                .execution()
                                .flinkConfiguration()
                                .get(StateRecoveryOptions.SAVEPOINT_PATH))
                .isNull();
    }

    @Test
    void restartStrategyIsBoundedFixedDelayFromTheOptions() {
        Configuration defaults =
                JobConfig.fromArgs(REQUIRED).settings().execution().flinkConfiguration();
        assertThat(defaults.get(RestartStrategyOptions.RESTART_STRATEGY)).isEqualTo("fixed-delay");
        assertThat(defaults.get(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS))
                .isEqualTo(3);
        Configuration set =
                JobConfig.fromArgs(
                                with(
                                        "--execution.restart.max-attempts", "7",
                                        "--execution.restart.delay", "500 ms"))
                        .settings()
                        .execution()
                        .flinkConfiguration();
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS))
                .isEqualTo(7);
        assertThat(set.get(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY).toMillis())
                .isEqualTo(500);
        assertThatThrownBy(() -> JobConfig.fromArgs(with("--execution.restart.max-attempts", "-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("execution.restart.max-attempts");
    }

    @Test
    void stopNamesWhatIsMissing() {
        assertThat(stop("--savepoint-dir", "/sp")).contains("missing <job-id>");
        assertThat(stop("00000000000000000000000000000001")).contains("--savepoint-dir");
        assertThat(stop("not-a-job", "--savepoint-dir", "/sp")).contains("not a Flink job id");
        String absent = "0000000000000000000000000000abcd";
        assertThat(stop(absent, "--savepoint-dir", "/sp"))
                .contains("no local batchscore run of job " + absent)
                .contains("--rest-url");
    }

    @Test
    void localSavepointDirBecomesAnAbsoluteUri() {
        // file:/ as Flink prints savepoint paths, which --resume-from is given back
        assertThat(Savepoints.uri("file:/tmp/sp/savepoint-1"))
                .isEqualTo("file:/tmp/sp/savepoint-1");
        assertThat(Savepoints.uri("s3://bucket/sp")).isEqualTo("s3://bucket/sp");
        assertThat(Savepoints.uri("sp"))
                .isEqualTo(Path.of("sp").toAbsolutePath().toUri().toString());
    }

    /** {@code batchscore stop args}, which must fail as a usage error; returns its stderr. */
    private static String stop(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] argv = new String[args.length + 1];
        argv[0] = "stop";
        System.arraycopy(args, 0, argv, 1, args.length);
        int exit =
                Main.run(
                        argv,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("exit code; stderr: %s", stderr).isEqualTo(2);
        assertThat(stderr.lines()).hasSize(1).allMatch(l -> l.startsWith("batchscore stop: "));
        return stderr;
    }
}
