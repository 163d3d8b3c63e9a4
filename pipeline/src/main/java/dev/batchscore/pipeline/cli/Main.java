package dev.batchscore.pipeline.cli;

import dev.batchscore.models.reference.ReferenceModels;
import dev.batchscore.models.tools.BenchModel;
import dev.batchscore.models.tools.Inspect;
import dev.batchscore.models.tools.Predict;
import dev.batchscore.pipeline.DemoCommand;
import dev.batchscore.pipeline.ReleaseCommand;
import dev.batchscore.pipeline.RunCommand;
import dev.batchscore.pipeline.StopCommand;
import dev.batchscore.pipeline.runs.RunClaimedException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code ./batchscore} command line: dispatches a subcommand and turns every failure into one
 * line on stderr and a non-zero exit (a stack trace only with {@code --verbose}).
 */
public final class Main {

    private static final String USAGE =
            String.join(
                    "\n",
                    "usage: batchscore [--verbose] <command> [options]",
                    "",
                    "commands:",
                    "  demo          run the whole job on embedded Kafka, Flink and Iceberg with a reference model",
                    "  run           run a scoring job on an embedded Flink MiniCluster: run --config job.yaml [--<key> <value> ...]",
                    "  stop          stop a running job with a savepoint: stop <job-id> --savepoint-dir DIR [--rest-url URL] [--drain]",
                    "  release       clear the claim of a dead run on the job's pipeline: release --config job.yaml",
                    "  inspect       describe a SavedModel: versions, tags, signatures, inputs and outputs",
                    "  predict       score a JSON Lines file locally with a SavedModel",
                    "  bench-model   rows/s of the reference tabular model at several batch sizes",
                    "  build-models  build the reference SavedModels (tabular, text) into a directory",
                    "",
                    "global options:",
                    "  --verbose     print stack traces with errors",
                    "  --help        this text; '<command> --help' lists the command's options");

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command and returns its exit code; never throws. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        // --verbose is global wherever it stands; only inspect also reads it (tensor names).
        boolean verbose = rest.contains("--verbose");
        while (!rest.isEmpty() && rest.get(0).equals("--verbose")) {
            rest.remove(0);
        }
        if (rest.isEmpty() || rest.get(0).equals("--help") || rest.get(0).equals("help")) {
            out.println(USAGE);
            return rest.isEmpty() ? 2 : 0;
        }
        String command = rest.remove(0);
        if (!command.equals("inspect")) {
            rest.removeIf("--verbose"::equals);
        }
        String[] commandArgs = rest.toArray(new String[0]);
        try {
            return switch (command) {
                case "demo" -> DemoCommand.run(commandArgs, out, err);
                case "run" -> RunCommand.run(commandArgs, out, err);
                case "stop" -> StopCommand.run(commandArgs, out, err);
                case "release" -> ReleaseCommand.run(commandArgs, out, err);
                case "inspect" -> Inspect.run(commandArgs, out);
                case "predict" -> Predict.run(commandArgs, System.in, out, err);
                case "bench-model" -> BenchModel.run(commandArgs, out);
                case "build-models" -> ReferenceModels.run(commandArgs, out);
                default -> {
                    err.println(
                            "batchscore: unknown command '" + command + "'; see batchscore --help");
                    yield 2;
                }
            };
        } catch (Throwable t) {
            err.println("batchscore " + command + ": " + oneLine(t));
            if (verbose) {
                t.printStackTrace(err);
            }
            if (t instanceof RunClaimedException) {
                return RunClaimedException.EXIT_CODE;
            }
            return t instanceof IllegalArgumentException ? 2 : 1;
        }
    }

    /**
     * The message users should read. Our own exceptions carry a one-line message that names the
     * problem and the fix, so the outermost of those wins; for foreign failures (Flink wraps job
     * failures several times) the deepest cause with a message is the informative one.
     */
    static String oneLine(Throwable t) {
        Throwable best = null;
        for (Throwable c = t;
                c != null && best == null;
                c = c.getCause() == c ? null : c.getCause()) {
            if (c.getClass().getName().startsWith("dev.batchscore.") && c.getMessage() != null) {
                best = c;
            }
        }
        for (Throwable c = t;
                best == null && c != null;
                c = c.getCause() == c ? null : c.getCause()) {
            if (c.getCause() == null || c.getCause() == c) {
                best = c;
            }
        }
        String message = best.getMessage() == null ? best.getClass().getName() : best.getMessage();
        String first = message.strip().lines().findFirst().orElse(message);
        boolean ours =
                best.getClass().getName().startsWith("dev.batchscore.")
                        || best instanceof IllegalArgumentException;
        return ours ? first : first + " (" + best.getClass().getSimpleName() + ")";
    }
}
