package dev.batchscore.pipeline.cli;

import dev.batchscore.pipeline.LocalCluster;
import dev.batchscore.pipeline.runs.Savepoints;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code batchscore stop <job-id> --savepoint-dir DIR [--rest-url URL] [--drain]}: stops a running
 * job with a savepoint through Flink's REST API (what {@code flink stop --savepointPath} does) and
 * prints the savepoint path and the command that resumes the run from it.
 *
 * <p>Without {@code --rest-url} the job must be a local {@code ./batchscore run} on this machine:
 * its runner publishes its REST URL in {@link LocalCluster#jobUrlFile} while it runs.
 */
@Command(
        name = "stop",
        customSynopsis = StopCommand.SYNOPSIS,
        description = {
            "Stop a running job with a savepoint: stop <job-id> --savepoint-dir DIR [--rest-url"
                    + " URL] [--drain]",
            "",
            "Stops a running scoring job with a savepoint (Flink's stop-with-savepoint) and prints"
                    + " the savepoint path; resume with: batchscore run ... --resume-from PATH."
        })
public final class StopCommand extends Cli.Command {
    static final String SYNOPSIS =
            "batchscore stop <job-id> --savepoint-dir DIR [--rest-url URL] [--drain]";

    @Mixin Cli.VerboseOption verbose;

    @Parameters(
            arity = "0..1",
            paramLabel = "<job-id>",
            description = "the Flink job id (32 hex digits) that run printed")
    String jobId;

    @Option(
            names = "--savepoint-dir",
            paramLabel = "DIR",
            description = "the directory (path or URI) the savepoint is written to")
    String savepointDir;

    @Option(
            names = "--rest-url",
            paramLabel = "URL",
            description =
                    "the JobManager's REST URL, e.g. http://<jobmanager>:8081; default: the local"
                            + " ./batchscore run of that job id")
    String restUrl;

    @Option(
            names = "--drain",
            description =
                    "fire the pending micro-batches before the savepoint (Flink's --drain);"
                            + " without it they are kept in the savepoint")
    boolean drain;

    StopCommand(Cli.Io io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        if (jobId == null) {
            throw new IllegalArgumentException("missing <job-id>; usage: " + SYNOPSIS);
        }
        if (savepointDir == null) {
            throw new IllegalArgumentException(
                    "missing --savepoint-dir DIR: the directory (path or URI) the savepoint is"
                            + " written to");
        }
        JobID id;
        try {
            id = JobID.fromHexString(jobId);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "job id '"
                            + jobId
                            + "' is not a Flink job id (32 hex digits, as printed by run)");
        }
        String url = restUrl != null ? restUrl : localRestUrl(jobId);
        String path = stop(URI.create(url), id, Savepoints.uri(savepointDir), drain);
        io.out().println("stopped job " + jobId + " with savepoint " + path);
        // The same for ./batchscore run and ./batchscore sql.
        io.out().println("resume it: the same command with --resume-from " + path);
        return 0;
    }

    /**
     * Stops {@code job} on the cluster at {@code restUrl} with a savepoint in {@code savepointDir}
     * and returns the savepoint's path. {@code drain} ends the event time first (windows fire), as
     * {@code flink stop --drain}; without it pending micro-batches stay in the savepoint.
     */
    public static String stop(URI restUrl, JobID job, String savepointDir, boolean drain)
            throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestOptions.ADDRESS, restUrl.getHost());
        conf.set(RestOptions.PORT, restUrl.getPort() < 0 ? 8081 : restUrl.getPort());
        try (RestClusterClient<String> client = new RestClusterClient<>(conf, "batchscore-stop")) {
            return client.stopWithSavepoint(job, drain, savepointDir, SavepointFormatType.CANONICAL)
                    .get(10, TimeUnit.MINUTES);
        }
    }

    private static String localRestUrl(String jobId) throws Exception {
        Path file = LocalCluster.jobUrlFile(jobId);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "no local batchscore run of job "
                            + jobId
                            + " ("
                            + file
                            + " is absent): pass --rest-url http://<jobmanager>:<port> for a job"
                            + " on a cluster");
        }
        return Files.readString(file).strip();
    }
}
