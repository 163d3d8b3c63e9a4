package dev.batchscore.pipeline;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * {@code batchscore run --config job.yaml [--<key> <value> ...]}: validates the configuration, the
 * model and the tables, then runs the job on an embedded Flink MiniCluster and prints a one-line
 * summary (rows written, errors, time, rows/s, snapshot id).
 */
public final class RunCommand {
    private RunCommand() {}

    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (Arrays.asList(args).contains("--help")) {
            out.print(usage());
            return 0;
        }
        JobConfig config = JobConfig.fromArgs(args);
        JobPlan plan = JobPlan.create(config);
        out.println(
                "scoring "
                        + String.join(",", config.get(BatchscoreOptions.SOURCE_KAFKA_TOPIC))
                        + " with "
                        + plan.spec().modelName()
                        + " ("
                        + plan.spec().signature()
                        + ") into "
                        + plan.table());
        LocalRunner.Result result = LocalRunner.run(plan, false, -1, out);
        out.println(result.summary());
        return 0;
    }

    /** The usage text with every option, generated from {@link BatchscoreOptions}. */
    public static String usage() {
        return "usage: batchscore run --config job.yaml [--<key> <value> ...]\n\n"
                   + "Runs a bounded scoring job on an embedded Flink MiniCluster. Options come"
                   + " from the\n"
                   + "command line, else the YAML config file (flat a.b.c: v keys or nested maps),"
                   + " else\n"
                   + "their defaults. On a cluster: flink run batchscore.jar --config job.yaml\n\n"
                   + "options:\n"
                + OptionsTable.plainText();
    }
}
