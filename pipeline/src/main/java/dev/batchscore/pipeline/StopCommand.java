package dev.batchscore.pipeline;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.SavepointFormatType;

/**
 * {@code batchscore stop <job-id> --savepoint-dir DIR [--rest-url URL] [--drain]}: stops a running
 * job with a savepoint through Flink's REST API (what {@code flink stop --savepointPath} does) and
 * prints the savepoint path and the command that resumes the run from it.
 *
 * <p>Without {@code --rest-url} the job must be a local {@code ./batchscore run} on this machine:
 * its runner publishes its REST URL in {@link LocalRunner#jobUrlFile} while it runs.
 */
public final class StopCommand {
    private StopCommand() {}

    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        String jobId = null;
        String savepointDir = null;
        String restUrl = null;
        boolean drain = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--help" -> {
                    out.print(usage());
                    return 0;
                }
                case "--drain" -> drain = true;
                case "--savepoint-dir" -> savepointDir = value(args, ++i, "--savepoint-dir");
                case "--rest-url" -> restUrl = value(args, ++i, "--rest-url");
                default -> {
                    if (args[i].startsWith("--") || jobId != null) {
                        throw new IllegalArgumentException(
                                "unexpected argument '"
                                        + args[i]
                                        + "'; "
                                        + usage().lines().findFirst().get());
                    }
                    jobId = args[i];
                }
            }
        }
        if (jobId == null) {
            throw new IllegalArgumentException(
                    "missing <job-id>; " + usage().lines().findFirst().get());
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
        if (restUrl == null) {
            restUrl = localRestUrl(jobId);
        }
        String path = stop(URI.create(restUrl), id, savepointTarget(savepointDir), drain);
        out.println("stopped job " + jobId + " with savepoint " + path);
        out.println("resume it: ./batchscore run <the same options> --resume-from " + path);
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

    /** A local path becomes an absolute file URI: the JobManager may run in another directory. */
    static String savepointTarget(String dir) {
        if (dir.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
            return dir;
        }
        return Path.of(dir).toAbsolutePath().normalize().toUri().toString();
    }

    private static String localRestUrl(String jobId) throws Exception {
        Path file = LocalRunner.jobUrlFile(jobId);
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

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[i];
    }

    static String usage() {
        return "usage: batchscore stop <job-id> --savepoint-dir DIR [--rest-url URL] [--drain]\n\n"
                + "Stops a running scoring job with a savepoint (Flink's stop-with-savepoint) and\n"
                + "prints the savepoint path; resume with: batchscore run ... --resume-from PATH.\n"
                + "--rest-url defaults to the local ./batchscore run of that job id. --drain fires\n"
                + "pending micro-batches before stopping.\n";
    }
}
