package dev.batchscore.models.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The few command-line conventions the model tools share: {@code --name value}, {@code
 * --name=value}, flags without a value, positional arguments, and a {@code --help} text generated
 * from the same option list the parser accepts, so the two cannot drift apart. Wrong arguments
 * throw {@link IllegalArgumentException} with a one-line message that names the fix.
 */
final class ToolArgs {

    /** One option; {@code valueName} is null for a flag. */
    record Option(String name, String valueName, String description) {
        String synopsis() {
            return valueName == null ? "--" + name : "--" + name + " " + valueName;
        }
    }

    private final String command;
    private final String usage;
    private final List<Option> options = new ArrayList<>();
    private final List<String[]> positionals = new ArrayList<>();

    ToolArgs(String command, String usage) {
        this.command = command;
        this.usage = usage;
    }

    ToolArgs option(String name, String valueName, String description) {
        options.add(new Option(name, valueName, description));
        return this;
    }

    ToolArgs flag(String name, String description) {
        options.add(new Option(name, null, description));
        return this;
    }

    /** Documents a positional argument in the help text; parsing collects positionals in order. */
    ToolArgs positional(String name, String description) {
        positionals.add(new String[] {name, description});
        return this;
    }

    String help() {
        List<String[]> rows = new ArrayList<>();
        for (String[] p : positionals) {
            rows.add(p);
        }
        for (Option o : options) {
            rows.add(new String[] {o.synopsis(), o.description()});
        }
        rows.add(new String[] {"--help", "print this help"});
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        StringBuilder sb =
                new StringBuilder("usage: ").append(usage).append(System.lineSeparator());
        for (String[] row : rows) {
            sb.append("  ")
                    .append(String.format("%-" + width + "s", row[0]))
                    .append("  ")
                    .append(row[1])
                    .append(System.lineSeparator());
        }
        return sb.toString();
    }

    Parsed parse(String[] args) {
        Map<String, String> values = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>();
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
                continue;
            }
            if (!arg.startsWith("--") || arg.equals("-")) {
                rest.add(arg);
                continue;
            }
            String name = arg.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Option option = find(name);
            if (option.valueName() == null) {
                if (inline != null) {
                    throw new IllegalArgumentException(
                            "--" + name + " takes no value, got '" + inline + "'");
                }
                values.put(name, "true");
            } else if (inline != null) {
                values.put(name, inline);
            } else if (i + 1 < args.length) {
                values.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException(
                        option.synopsis() + " needs a value; see " + command + " --help");
            }
        }
        return new Parsed(command, values, rest, help);
    }

    private Option find(String name) {
        for (Option o : options) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        Set<String> known = new TreeSet<>();
        options.forEach(o -> known.add("--" + o.name()));
        throw new IllegalArgumentException(
                "unknown option '--"
                        + name
                        + "' for "
                        + command
                        + "; known: "
                        + String.join(", ", known));
    }

    /** Parsed arguments with typed getters whose errors name the option and the value seen. */
    record Parsed(
            String command, Map<String, String> values, List<String> positionals, boolean help) {

        String get(String name, String defaultValue) {
            return values.getOrDefault(name, defaultValue);
        }

        String require(String name, String example) {
            String value = values.get(name);
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException(
                        command + " needs --" + name + ", e.g. --" + name + " " + example);
            }
            return value;
        }

        boolean flag(String name) {
            return values.containsKey(name);
        }

        long getLong(String name, long defaultValue) {
            String value = values.get(name);
            if (value == null) {
                return defaultValue;
            }
            try {
                return Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--" + name + " expects an integer, got '" + value + "'");
            }
        }

        int getPositiveInt(String name, int defaultValue) {
            long value = getLong(name, defaultValue);
            if (value < 1 || value > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "--"
                                + name
                                + " must be a positive integer, got '"
                                + values.get(name)
                                + "'");
            }
            return (int) value;
        }

        double getPositiveDouble(String name, double defaultValue) {
            String value = values.get(name);
            if (value == null) {
                return defaultValue;
            }
            double parsed;
            try {
                parsed = Double.parseDouble(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--" + name + " expects a number, got '" + value + "'");
            }
            if (!(parsed > 0) || Double.isInfinite(parsed)) {
                throw new IllegalArgumentException(
                        "--" + name + " must be a positive number, got '" + value + "'");
            }
            return parsed;
        }

        /** A comma-separated list, e.g. {@code --tags serve,gpu}; blanks are dropped. */
        List<String> getList(String name, String defaultValue) {
            List<String> items = new ArrayList<>();
            for (String item : get(name, defaultValue).split(",")) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
            return items;
        }

        void expectPositionals(int count, String what) {
            if (positionals.size() > count) {
                throw new IllegalArgumentException(
                        "unexpected argument '"
                                + positionals.get(count)
                                + "'; "
                                + command
                                + " takes "
                                + what
                                + "; see "
                                + command
                                + " --help");
            }
        }
    }
}
