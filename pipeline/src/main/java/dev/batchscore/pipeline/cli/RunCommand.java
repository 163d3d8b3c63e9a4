package dev.batchscore.pipeline.cli;

import dev.batchscore.pipeline.BatchScoringJob;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.LocalRunner;
import dev.batchscore.pipeline.LocalWarmup;
import dev.batchscore.pipeline.OptionsTable;
import dev.batchscore.pipeline.ScoringJob;
import dev.batchscore.pipeline.ScoringRun;
import dev.batchscore.pipeline.config.BatchscoreOptions;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.runs.Run;
import dev.batchscore.pipeline.runs.RunHistory;
import dev.batchscore.pipeline.runs.RunLedger;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code batchscore run --config job.yaml [--<key> <value> ...]}: the job options are handed, as
 * typed and in order, to {@code JobConfig.fromArgs} (the parser the job jar's {@code main} uses
 * too), so an unknown key gets its "did you mean" message from there. Validates the configuration,
 * the model and the tables ({@link JobPlan#check}), starts the run ({@link ScoringRun}), then runs
 * the job on an embedded Flink MiniCluster ({@link LocalRunner}) and prints a one-line summary
 * (rows written, errors, time, rows/s, snapshot id).
 */
@Command(
        name = "run",
        customSynopsis = "batchscore run --config job.yaml [--<key> <value> ...]",
        description = {
            "Run a scoring job on an embedded Flink MiniCluster: run --config job.yaml [--<key>"
                    + " <value> ...]",
            "",
            "Validates the configuration, the model, Kafka and the tables, runs the bounded job and"
                    + " prints what it committed. Options come from the command line, else the"
                    + " YAML config file (flat a.b.c: v keys or nested maps), else their defaults."
                    + " On a cluster: flink run batchscore.jar --config job.yaml",
            "--resume-from SAVEPOINT resumes a run stopped with batchscore stop (exit code 3)."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the input was scored and the run is complete",
            "1:failed",
            "2:a wrong option or value",
            "3:stopped with a savepoint before the end of the input; resume with --resume-from",
            "4:the pipeline is claimed by another run (see batchscore release)"
        })
public final class RunCommand extends Cli.Command {
    /** The help section that lists every job option, generated from the option constants. */
    static final String JOB_OPTIONS_SECTION = "jobOptions";

    @Mixin Cli.VerboseOption verbose;

    @Parameters(
            paramLabel = "--<key> <value>",
            description = {
                "--config FILE: the YAML config file; --resume-from SAVEPOINT: the savepoint to"
                        + " resume (execution.state-recovery.path); --<key> <value> or"
                        + " --<key>=<value>: any job option below, which wins over the file"
            })
    List<String> jobArgs = new ArrayList<>();

    RunCommand(Cli.Io io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        int exit = run(jobArgs.toArray(new String[0]), io.out(), io.err());
        if (exit == 0) {
            RunClassArchive.writeIfAsked(io.err());
        }
        return exit;
    }

    /** Runs the job that the job options {@code args} ({@link JobConfig#fromArgs}) describe. */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        JobConfig config = JobConfig.fromArgs(args);
        JobPlan plan;
        LocalRunner.Result result;
        // The warm-up also sets up the filesystems planning reads the model with (model.path may
        // be s3://), with the job's filesystem settings.
        try (LocalWarmup warmup = LocalWarmup.start(config.settings());
                ScoringRun run =
                        BatchScoringJob.builder().settings(config.settings()).build().start()) {
            plan = run.plan();
            out.println(
                    "scoring "
                            + String.join(",", plan.settings().source().topics())
                            + " with "
                            + plan.spec().modelName()
                            + " ("
                            + plan.spec().signature()
                            + ") into "
                            + plan.table());
            result = LocalRunner.run(run, warmup, false, -1, out);
        }
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
        if (!plan.run().recreatedFrom().isEmpty()) {
            out.println(
                    "read recreated topics from their earliest offset ("
                            + BatchscoreOptions.SOURCE_KAFKA_ON_TOPIC_RECREATED.key()
                            + " is earliest): "
                            + plan.run().lineage().get(RunLedger.TOPIC_RECREATED));
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
        // quality.*: the job judged the run and wrote the verdict to <table>_runs; with
        // quality.on-violation fail, exit 5 (the rows are committed).
        for (RunHistory.Row row : ScoringJob.checkQuality(plan)) {
            for (String v : row.violations()) {
                err.println("batchscore run: " + row.onViolation() + ": " + v);
            }
        }
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

    /** Adds the job options (the same table as the README's) after the options of {@code cmd}. */
    static void addJobOptionsSection(CommandLine cmd) {
        List<String> keys = new ArrayList<>(cmd.getHelpSectionKeys());
        keys.add(
                keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER_HEADING),
                JOB_OPTIONS_SECTION);
        cmd.setHelpSectionKeys(keys);
        cmd.getHelpSectionMap()
                .put(
                        JOB_OPTIONS_SECTION,
                        h -> String.format("%nJob options:%n") + OptionsTable.plainText());
    }
}
