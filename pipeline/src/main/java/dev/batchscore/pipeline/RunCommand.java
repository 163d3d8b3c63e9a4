package dev.batchscore.pipeline;

import dev.batchscore.pipeline.config.BatchscoreOptions;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.runs.Run;
import dev.batchscore.pipeline.runs.RunLedger;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code batchscore run --config job.yaml [--<key> <value> ...]} does (the command and its
 * help are {@code cli.RunCommand}): validates the configuration, the model and the tables, then
 * runs the job on an embedded Flink MiniCluster and prints a one-line summary (rows written,
 * errors, time, rows/s, snapshot id).
 */
public final class RunCommand {
    private RunCommand() {}

    /** Runs the job that the job options {@code args} ({@link JobConfig#fromArgs}) describe. */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        JobConfig config = JobConfig.fromArgs(args);
        JobPlan plan =
                BatchScoringJob.builder().settings(config.settings()).build().plan().orElseThrow();
        out.println(
                "scoring "
                        + String.join(",", plan.settings().source().topics())
                        + " with "
                        + plan.spec().modelName()
                        + " ("
                        + plan.spec().signature()
                        + ") into "
                        + plan.table());
        LocalRunner.Result result = LocalRunner.run(plan, false, -1, out);
        if (result.stoppedWithSavepoint() && !result.complete()) {
            // Not a success: the input is not all scored. Exit 3 so schedulers do not mark the
            // slot done; the rows so far are committed and the savepoint holds the rest.
            out.println(
                    "stopped with savepoint "
                            + result.savepoint()
                            + " before the end of the input; "
                            + result.summary().replaceFirst("^wrote", "committed"));
            out.println("resume: ./batchscore run " + resumeArgs(args, result.savepoint()));
            return STOPPED_EXIT_CODE;
        }
        out.println(result.summary());
        if (!plan.run().missing().isEmpty()) {
            out.println(missingLine(plan.run()));
        }
        if (!result.complete()) {
            // Finished without a savepoint and without the job marking its run complete: it did
            // not read its whole range (e.g. a restore of a run whose tasks had all finished).
            err.println(
                    "batchscore run: run "
                            + plan.run().runId()
                            + " of pipeline '"
                            + plan.run().pipelineId()
                            + "' ended before the end of its input and is not complete: run again"
                            + " with source.kafka.starting-offsets resume to read the rest");
            return 1;
        }
        // errors.max-ratio over the whole run; fails (one line, exit 1) after printing what was
        // done.
        result.counts().checkMaxRatio(plan.spec().errorPolicy());
        return 0;
    }

    /** The summary line of a run that skipped offsets Kafka no longer had. */
    static String missingLine(Run run) {
        return "skipped "
                + run.missing().count()
                + " records Kafka no longer had ("
                + BatchscoreOptions.SOURCE_KAFKA_ON_MISSING_OFFSETS.key()
                + " is skip): "
                + run.missing().describe()
                + "; recorded as "
                + RunLedger.MISSING_POSITIONS
                + "="
                + run.missing().format();
    }

    /** Exit code of a run stopped with a savepoint (by batchscore stop or flink stop). */
    public static final int STOPPED_EXIT_CODE = 3;

    /** {@code args} with any earlier --resume-from replaced by {@code savepoint}, shell-quoted. */
    static String resumeArgs(String[] args, String savepoint) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String flag = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (flag.equals("--" + JobConfig.RESUME_FROM_FLAG)
                    || flag.equals("--" + BatchscoreOptions.EXECUTION_STATE_RECOVERY_PATH.key())) {
                if (!a.contains("=")) {
                    i++;
                }
                continue;
            }
            out.add(a.matches("[A-Za-z0-9_./:=@%+,-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        out.add("--" + JobConfig.RESUME_FROM_FLAG);
        out.add(savepoint);
        return String.join(" ", out);
    }
}
