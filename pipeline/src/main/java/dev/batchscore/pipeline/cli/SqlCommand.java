package dev.batchscore.pipeline.cli;

import dev.batchscore.pipeline.LocalRunner;
import dev.batchscore.pipeline.kafka.BatchscoreModule;
import dev.batchscore.sql.SqlScript;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code batchscore sql -f script.sql}: runs a Flink SQL script on an embedded MiniCluster with the
 * Kafka and Iceberg connectors and the {@code tensorflow} model provider ({@link SqlScript}), with
 * the {@link BatchscoreModule} loaded so that a job stopped with a savepoint ({@code batchscore
 * stop}) and resumed ({@code --resume-from}) still ends at the end of its bounded Kafka tables.
 */
@Command(
        name = "sql",
        customSynopsis = "batchscore sql -f SCRIPT [--parallelism N] [--resume-from SAVEPOINT]",
        description = {
            "Run a Flink SQL script on an embedded Flink MiniCluster",
            "",
            "Statements end with ';'. SET 'key' = 'value' sets a session option; an INSERT runs"
                    + " as a job that is awaited before the next statement. CREATE MODEL ... WITH"
                    + " ('provider' = 'tensorflow', 'path' = ...) scores with a SavedModel through"
                    + " ML_PREDICT. Ends with: sql: <rows> rows scored in <calls> model calls.",
            "",
            "A running job stops with a savepoint: batchscore stop <job-id> --savepoint-dir DIR;"
                    + " the same script with --resume-from <savepoint> resumes it, and bounded"
                    + " Kafka tables still end (the batchscore table module is loaded)."
        },
        optionListHeading = "%nOptions:%n")
final class SqlCommand implements Callable<Integer> {
    @Mixin Cli.HelpOption help;
    @Mixin Cli.VerboseOption verbose;

    @Option(
            names = {"-f", "--file"},
            paramLabel = "SCRIPT",
            required = true,
            description = "the SQL script to run")
    Path script;

    @Option(
            names = "--parallelism",
            paramLabel = "N",
            converter = Cli.PositiveInt.class,
            description = "default parallelism of the jobs (default: the number of cores)")
    Integer parallelism;

    @Option(
            names = "--resume-from",
            paramLabel = "SAVEPOINT",
            description =
                    "restore the script's job from this savepoint or retained checkpoint (what"
                            + " SET 'execution.state-recovery.path' does); the script must be the"
                            + " one that was stopped")
    String resumeFrom;

    private final Cli.Io io;

    SqlCommand(Cli.Io io) {
        this.io = io;
    }

    @Override
    public Integer call() throws Exception {
        String text;
        try {
            text = Files.readString(script);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("script " + script + " does not exist");
        }
        Configuration conf = SqlScript.localDefaults(new Configuration());
        if (resumeFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, StopCommand.savepointTarget(resumeFrom));
        }
        // A known REST port, published per job, so that ./batchscore stop <job-id> finds the job.
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        conf.set(RestOptions.BIND_ADDRESS, "localhost");
        conf.set(RestOptions.ADDRESS, "localhost");
        conf.set(RestOptions.BIND_PORT, Integer.toString(port));
        conf.set(RestOptions.PORT, port);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        if (parallelism != null) {
            env.setParallelism(parallelism);
        }
        List<Path> urlFiles = new ArrayList<>();
        SqlScript script =
                new SqlScript(env, io.out())
                        .onSubmit(job -> urlFiles.add(publish(job.getJobID().toString(), port)));
        BatchscoreModule.load(script.tableEnvironment());
        try {
            SqlScript.Summary summary = script.run(text);
            io.out().println(summary.line());
            return 0;
        } finally {
            for (Path file : urlFiles) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** Writes the job's REST URL where {@code stop} looks for it; tells the user how to stop. */
    private Path publish(String jobId, int port) {
        Path file = LocalRunner.jobUrlFile(jobId);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "http://localhost:" + port + "\n");
            io.out()
                    .println(
                            "sql: stop it with a savepoint: ./batchscore stop "
                                    + jobId
                                    + " --savepoint-dir DIR; resume: ./batchscore sql -f "
                                    + script
                                    + " --resume-from <savepoint>");
        } catch (IOException e) {
            io.out()
                    .println(
                            "sql: stop it with: ./batchscore stop "
                                    + jobId
                                    + " --rest-url http://localhost:"
                                    + port
                                    + " --savepoint-dir DIR");
        }
        return file;
    }
}
