package dev.batchscore.pipeline.cli;

import dev.batchscore.pipeline.runs.QualityCheckException;
import dev.batchscore.pipeline.runs.QualityChecks;
import dev.batchscore.pipeline.runs.RunClaimedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/**
 * The {@code ./batchscore} command line, on picocli: one command class per subcommand in this
 * package, one help style ({@code --help} on every command), and one error path: every failure is
 * one line on stderr, {@code batchscore <command>: <message>}, and a non-zero exit (a stack trace
 * only with {@code --verbose}, wherever it stands on the line).
 *
 * <p>Exit codes: 0 done; 1 failed; 2 a usage error (a wrong argument, an unknown option or command,
 * any {@link IllegalArgumentException} such as a {@code ConfigException}); 3 a run stopped with a
 * savepoint ({@link RunCommand#STOPPED_EXIT_CODE}); 4 a pipeline claimed by another run ({@link
 * RunClaimedException#EXIT_CODE}).
 */
@Command(
        name = "batchscore",
        customSynopsis = "batchscore [--verbose] <command> [options]",
        description = {
            "Reliable batch scoring of Kafka streams with TensorFlow SavedModels on Apache Flink,"
                    + " committed to Apache Iceberg."
        },
        commandListHeading = "%nCommands:%n",
        optionListHeading = "%nGlobal options:%n",
        footer = {"", "'batchscore <command> --help' lists the command's options."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:failed",
            "2:usage error: a wrong argument, option or command",
            "3:a run stopped with a savepoint before the end of its input",
            "4:the pipeline is claimed by another run",
            "5:a quality.* check failed with quality.on-violation fail (the rows are committed)"
        })
public final class Main implements Callable<Integer> {

    @Mixin Cli.HelpOption help;
    @Mixin Cli.VerboseOption verbose;
    @Spec CommandLine.Model.CommandSpec spec;

    private final PrintStream out;

    private Main(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 2 && args[0].equals(WarmJvm.SERVE)) {
            WarmJvm.serve(Path.of(args[1]));
            return;
        }
        System.exit(run(args, System.in, System.out, System.err));
    }

    /** Runs one command and returns its exit code; never throws. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.in, out, err);
    }

    /** {@link #run(String[], PrintStream, PrintStream)} with {@code in} as stdin ({@code -}). */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        // --verbose is global wherever it stands; inspect also reads it (tensor names).
        boolean verbose = Arrays.asList(args).contains("--verbose");
        String command = args.length == 0 ? "" : args[0];
        try {
            CommandLine cli = commandLine(new Cli.Io(in, out, err));
            cli.setOut(writer(out));
            cli.setErr(writer(err));
            cli.setParameterExceptionHandler(
                    (ex, arguments) -> Cli.usageError(ex, arguments, err, verbose));
            cli.setExecutionExceptionHandler(
                    (ex, cmd, parseResult) -> failure(ex, cmd.getCommandName(), err, verbose));
            int exit = cli.execute(args);
            cli.getOut().flush();
            cli.getErr().flush();
            return exit;
        } catch (Throwable t) {
            // Errors (a native library that does not load, say) are not handled by picocli.
            return failure(t, command, err, verbose);
        }
    }

    /** The command tree; every subcommand gets the invocation's streams. */
    static CommandLine commandLine(Cli.Io io) {
        CommandLine cli =
                new CommandLine(new Main(io.out()))
                        .addSubcommand(new DemoCommand(io))
                        .addSubcommand(new RunCommand(io))
                        .addSubcommand(new StopCommand(io))
                        .addSubcommand(new ReleaseCommand(io))
                        .addSubcommand(new ReportCommand(io))
                        .addSubcommand(new InspectCommand(io))
                        .addSubcommand(new PredictCommand(io))
                        .addSubcommand(new BenchModelCommand(io))
                        .addSubcommand(new BenchCommand(io))
                        .addSubcommand(new TuneCommand(io))
                        .addSubcommand(new BuildModelsCommand(io))
                        .addSubcommand(new SqlCommand(io))
                        .addSubcommand(new CommandLine.HelpCommand());
        // Settings for every command (they apply to the subcommands added above).
        cli.setOverwrittenOptionsAllowed(true); // a repeated option: the last one wins
        cli.setExpandAtFiles(false); // an argument starting with @ is a value, not a file
        cli.setUsageHelpWidth(100);
        // run, release and report hand every option they do not know to JobConfig.fromArgs, the job
        // options parser the job jar uses too.
        for (String passThrough : new String[] {"run", "release", "report"}) {
            cli.getSubcommands().get(passThrough).setUnmatchedOptionsArePositionalParams(true);
        }
        RunCommand.addJobOptionsSection(cli.getSubcommands().get("run"));
        return cli;
    }

    /** {@code batchscore} alone prints the usage and exits 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(out);
        return Cli.USAGE_EXIT_CODE;
    }

    /** One line on stderr for a failure of {@code command}; returns the exit code it maps to. */
    static int failure(Throwable t, String command, PrintStream err, boolean verbose) {
        err.println("batchscore" + (command.isEmpty() ? "" : " " + command) + ": " + oneLine(t));
        if (verbose) {
            t.printStackTrace(err);
        }
        if (t instanceof RunClaimedException) {
            return RunClaimedException.EXIT_CODE;
        }
        if (t instanceof QualityCheckException) {
            return QualityChecks.EXIT_CODE;
        }
        return t instanceof IllegalArgumentException ? Cli.USAGE_EXIT_CODE : 1;
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(stream, true);
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
