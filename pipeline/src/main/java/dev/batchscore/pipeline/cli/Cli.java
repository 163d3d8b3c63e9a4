package dev.batchscore.pipeline.cli;

import dev.batchscore.models.ModelOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * What every command shares: the streams it prints to, the {@code --help} and {@code --verbose}
 * options, the value converters, and how a usage error becomes one line on stderr.
 *
 * <p>A converter fails with a message template ({@code %1$s} the option as the user spelled it,
 * {@code %2$s} the value), so that an alias is named as typed: {@code --batch-size expects an
 * integer, got 'x'}.
 */
final class Cli {
    private Cli() {}

    /** Exit code of a usage error: a wrong argument, or an {@link IllegalArgumentException}. */
    static final int USAGE_EXIT_CODE = 2;

    /** The streams of one invocation; tests pass their own. */
    record Io(InputStream in, PrintStream out, PrintStream err) {}

    /**
     * What every command is: a {@code Callable} for picocli with {@code --help}, the streams of its
     * invocation and one help layout (picocli applies these attributes to every subclass's own
     * {@code @Command}).
     */
    @CommandLine.Command(parameterListHeading = "%n", optionListHeading = "%nOptions:%n")
    abstract static class Command implements Callable<Integer> {
        @Mixin HelpOption help;

        final Io io;

        Command(Io io) {
            this.io = io;
        }
    }

    /** {@code --model.tags TAGS} (alias {@code --tags}) for the commands that load a model. */
    static final class ModelTagsOption {
        @Option(
                names = {"--model.tags", "--tags"},
                paramLabel = "TAGS",
                converter = Tags.class,
                description = "comma-separated meta graph tag set to load (default serve)")
        Set<String> tags = Set.of(ModelOptions.DEFAULT_TAG);
    }

    /** {@code -h, --help} on every command. */
    static final class HelpOption {
        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "print this help and exit")
        boolean help;
    }

    /**
     * {@code --verbose} on every command. {@link Main} looks for it anywhere on the line, so the
     * field itself is only read by commands that print more with it.
     */
    static final class VerboseOption {
        @Option(names = "--verbose", description = "with an error, print its stack trace")
        boolean verbose;
    }

    // ---------------------------------------------------------------- converters

    /** An integer of type long. */
    static final class LongValue implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("%1$s expects an integer, got '%2$s'");
            }
        }
    }

    /** An integer from 1 to {@link Integer#MAX_VALUE}. */
    static final class PositiveInt implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            long n = new LongValue().convert(value);
            if (n < 1 || n > Integer.MAX_VALUE) {
                throw new TypeConversionException("%1$s must be a positive integer, got '%2$s'");
            }
            return (int) n;
        }
    }

    /** A positive, finite number. */
    static final class PositiveDouble implements ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double n;
            try {
                n = Double.parseDouble(value.trim());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("%1$s expects a number, got '%2$s'");
            }
            if (!(n > 0) || Double.isInfinite(n)) {
                throw new TypeConversionException("%1$s must be a positive number, got '%2$s'");
            }
            return n;
        }
    }

    /** A positive count for the demo, with underscores allowed ({@code 1_000_000}). */
    static final class Count implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                long n = Long.parseLong(value.replace("_", ""));
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // the message below
            }
            throw new TypeConversionException("option %1$s is '%2$s': expected a positive number");
        }
    }

    /** A comma-separated meta graph tag set, e.g. {@code serve,gpu}; blanks are dropped. */
    static final class Tags implements ITypeConverter<Set<String>> {
        @Override
        public Set<String> convert(String value) {
            Set<String> tags = new LinkedHashSet<>(split(value));
            if (tags.isEmpty()) {
                throw new TypeConversionException("%1$s needs at least one tag, e.g. %1$s serve");
            }
            return tags;
        }
    }

    /** The non-blank items of a comma-separated list, trimmed. */
    static List<String> split(String list) {
        return java.util.Arrays.stream(list.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    /**
     * Deletes {@code dir} and everything in it, best effort: a leftover temp directory is harmless.
     */
    static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // left for the system's temp cleaner
        }
    }

    // ---------------------------------------------------------------- usage errors

    /**
     * Prints a usage error as one line, {@code batchscore <command>: <message>} (the stack trace
     * too with {@code verbose}), and returns {@link #USAGE_EXIT_CODE}.
     */
    static int usageError(ParameterException ex, String[] args, PrintStream err, boolean verbose) {
        CommandLine cmd = ex.getCommandLine();
        boolean top = cmd.getParent() == null;
        String name = cmd.getCommandName();
        err.println((top ? "batchscore" : "batchscore " + name) + ": " + message(ex, args, top));
        if (verbose) {
            ex.printStackTrace(err);
        }
        return USAGE_EXIT_CODE;
    }

    private static String message(ParameterException ex, String[] args, boolean top) {
        CommandLine cmd = ex.getCommandLine();
        String help = (top ? "batchscore" : cmd.getCommandName()) + " --help";
        if (ex instanceof UnmatchedArgumentException unmatched
                && !unmatched.getUnmatched().isEmpty()) {
            String arg = unmatched.getUnmatched().get(0);
            if (top && !arg.startsWith("-")) {
                return "unknown command '" + arg + "'; see " + help;
            }
            if (arg.startsWith("-") && arg.length() > 1) {
                return "unknown option '"
                        + arg.split("=", 2)[0]
                        + "' for "
                        + (top ? "batchscore" : cmd.getCommandName())
                        + "; known: "
                        + String.join(", ", known(cmd));
            }
            return "unexpected argument '" + arg + "'; see " + help;
        }
        if (ex instanceof MissingParameterException missing
                && !missing.getMissing().isEmpty()
                && missing.getMissing().get(0) instanceof OptionSpec option) {
            return spelled(option, args, null)
                    + " "
                    + option.paramLabel()
                    + " needs a value; see "
                    + help;
        }
        ArgSpec spec = ex.getArgSpec();
        if (ex.getCause() instanceof TypeConversionException conversion
                && conversion.getMessage() != null
                && conversion.getMessage().contains("%1$s")
                && spec != null) {
            String value = ex.getValue();
            return String.format(
                    Locale.ROOT, conversion.getMessage(), spelled(spec, args, value), value);
        }
        if (spec instanceof OptionSpec option
                && option.arity().max() == 0
                && ex.getValue() != null) {
            // a flag given a value, --verbose=yes
            return spelled(option, args, null) + " takes no value, got '" + ex.getValue() + "'";
        }
        return ex.getMessage();
    }

    /** The user's spelling of {@code spec} (an alias, say), found in {@code args}. */
    private static String spelled(ArgSpec spec, String[] args, String value) {
        if (!(spec instanceof OptionSpec option)) {
            return spec.paramLabel();
        }
        String any = null;
        for (int i = 0; i < args.length; i++) {
            for (String name : option.names()) {
                boolean attached = args[i].equals(name + "=" + value);
                boolean separate =
                        args[i].equals(name)
                                && (value == null
                                        || (i + 1 < args.length && args[i + 1].equals(value)));
                if (attached || separate) {
                    return name;
                }
                if (any == null && (args[i].equals(name) || args[i].startsWith(name + "="))) {
                    any = name;
                }
            }
        }
        return any != null ? any : option.longestName();
    }

    /** The command's option names, without --help and --verbose. */
    private static Set<String> known(CommandLine cmd) {
        Set<String> names = new TreeSet<>();
        for (OptionSpec option : cmd.getCommandSpec().options()) {
            if (!option.usageHelp() && !option.longestName().equals("--verbose")) {
                for (String name : option.names()) {
                    if (name.startsWith("--")) {
                        names.add(name);
                    }
                }
            }
        }
        return names;
    }
}
