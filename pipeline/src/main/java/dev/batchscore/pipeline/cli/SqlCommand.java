package dev.batchscore.pipeline.cli;

import dev.batchscore.sql.SqlScript;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code batchscore sql -f script.sql}: runs a Flink SQL script on an embedded MiniCluster with the
 * Kafka and Iceberg connectors and the {@code tensorflow} model provider ({@link SqlScript}).
 */
@Command(
        name = "sql",
        customSynopsis = "batchscore sql -f SCRIPT [--parallelism N]",
        description = {
            "Run a Flink SQL script on an embedded Flink MiniCluster",
            "",
            "Statements end with ';'. SET 'key' = 'value' sets a session option; an INSERT runs"
                    + " as a job that is awaited before the next statement. CREATE MODEL ... WITH"
                    + " ('provider' = 'tensorflow', 'path' = ...) scores with a SavedModel through"
                    + " ML_PREDICT. Ends with: sql: <rows> rows scored in <calls> model calls."
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
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(conf);
        if (parallelism != null) {
            env.setParallelism(parallelism);
        }
        SqlScript.Summary summary = new SqlScript(env, io.out()).run(text);
        io.out().println(summary.line());
        return 0;
    }
}
