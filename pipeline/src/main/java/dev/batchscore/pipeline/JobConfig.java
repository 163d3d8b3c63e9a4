package dev.batchscore.pipeline;

import static dev.batchscore.pipeline.BatchscoreOptions.*;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.YamlParserUtils;

/**
 * The resolved configuration of one job: the one place where precedence is decided. A value comes
 * from the CLI ({@code --<key> <value>} or {@code --<key>=<value>}), else from the YAML config file
 * ({@code --config job.yaml}, flat {@code a.b.c: v} keys and/or nested maps), else from the
 * option's default in {@link BatchscoreOptions}.
 *
 * <p>Construction checks everything that can be checked without touching Kafka, the model or the
 * catalog: unknown keys (with the closest known key as a suggestion), missing required keys, and
 * values that do not parse. Each failure is a {@link ConfigException} naming the key.
 *
 * <pre>{@code
 * JobConfig config = JobConfig.fromArgs(new String[] {"--config", "job.yaml", "--batch.size", "512"});
 * int batchSize = config.get(BatchscoreOptions.BATCH_SIZE);
 * }</pre>
 */
public final class JobConfig {

    /** Keys with comma-separated CLI values; everything else is a scalar. */
    private static final Set<String> LIST_KEYS =
            Set.of(
                    SOURCE_KAFKA_TOPIC.key(),
                    MODEL_TAGS.key(),
                    OUTPUT_PASSTHROUGH.key(),
                    SINK_ICEBERG_PARTITION_BY.key());

    /** {@code --resume-from SAVEPOINT}: the short spelling of execution.state-recovery.path. */
    public static final String RESUME_FROM_FLAG = "resume-from";

    /** The Kafka consumer property that decides whether transactions are honoured. */
    private static final String ISOLATION_LEVEL = "isolation.level";

    private static final Set<String> CATALOG_TYPES = Set.of("hadoop", "rest", "hive", "jdbc");

    /** Normalized values: lists are joined with ';', the list separator Flink parses. */
    private final Configuration values;

    /** Where each explicitly set key came from, for error messages. */
    private final Map<String, String> origins;

    private JobConfig(Map<String, String> values, Map<String, String> origins) {
        this.values = Configuration.fromMap(values);
        this.origins = origins;
        validate();
    }

    /**
     * Parses {@code [--config FILE] [--<key> <value> | --<key>=<value>]...}. The config file may
     * appear anywhere; CLI values win over it regardless of order.
     */
    public static JobConfig fromArgs(String[] args) {
        Map<String, Object> cli = new LinkedHashMap<>();
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new ConfigException(
                        "unexpected argument '" + arg + "': options are written --<key> <value>");
            }
            String key = arg.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq > 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else {
                if (i + 1 >= args.length) {
                    throw new ConfigException("option --" + key + " needs a value");
                }
                value = args[++i];
            }
            if (key.equals("config")) {
                configFile = Paths.get(value);
            } else if (key.equals(RESUME_FROM_FLAG)) {
                cli.put(EXECUTION_STATE_RECOVERY_PATH.key(), value);
            } else {
                cli.put(key, value);
            }
        }
        Map<String, Object> file = configFile == null ? Map.of() : loadYaml(configFile);
        return of(file, configFile == null ? "" : configFile.toString(), cli);
    }

    /** Resolves {@code cli} over {@code file} (a parsed YAML document, nested or flat). */
    public static JobConfig of(Map<String, ?> file, String fileName, Map<String, ?> cli) {
        Map<String, String> merged = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        Map<String, Object> flatFile = new LinkedHashMap<>();
        flatten("", file, flatFile);
        flatFile.forEach(
                (k, v) -> {
                    merged.put(k, normalize(k, v));
                    origins.put(k, fileName.isEmpty() ? "the config file" : fileName);
                });
        cli.forEach(
                (k, v) -> {
                    merged.put(k, normalize(k, v));
                    origins.put(k, "--" + k);
                });
        checkKnown(origins);
        return new JobConfig(merged, origins);
    }

    static Map<String, Object> loadYaml(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(
                    "config file '"
                            + file
                            + "' does not exist: pass --config <path to a YAML file>");
        }
        try {
            Map<String, Object> doc = YamlParserUtils.loadYamlFile(new File(file.toString()));
            return doc == null ? Map.of() : doc;
        } catch (Exception e) {
            throw new ConfigException(
                    "config file '" + file + "' is not valid YAML: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- typed access

    /** The value of {@code option}: CLI, else config file, else default (may be null). */
    public <T> T get(ConfigOption<T> option) {
        if (PREFIX_OPTIONS.contains(option)) {
            throw new IllegalArgumentException("use prefixed() for " + displayKey(option));
        }
        try {
            return values.get(option);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    "option '"
                            + option.key()
                            + "' (from "
                            + origins.getOrDefault(option.key(), "default")
                            + ") has an invalid value '"
                            + values.toMap().get(option.key())
                            + "': "
                            + rootMessage(e));
        }
    }

    /** The value of {@code option}, or empty when it is not set and has no default. */
    public <T> Optional<T> getOptional(ConfigOption<T> option) {
        return Optional.ofNullable(get(option));
    }

    /** The keys under a prefix option, without the prefix, e.g. {@code security.protocol}. */
    public Map<String, String> prefixed(ConfigOption<Map<String, String>> option) {
        String prefix = option.key() + ".";
        Map<String, String> out = new LinkedHashMap<>();
        values.toMap()
                .forEach(
                        (k, v) -> {
                            if (k.startsWith(prefix)) {
                                out.put(k.substring(prefix.length()), v);
                            }
                        });
        return out;
    }

    public boolean isSet(ConfigOption<?> option) {
        return values.containsKey(option.key());
    }

    /**
     * This configuration with {@code execution.state-recovery.path} set to {@code path} when it is
     * not set already: a savepoint that Flink itself restores ({@code flink run -s}, the REST API's
     * {@code savepointPath}, the Kubernetes operator) is a resume like {@code --resume-from}.
     */
    public JobConfig withStateRecoveryPath(String path) {
        if (path == null || path.isBlank() || isSet(EXECUTION_STATE_RECOVERY_PATH)) {
            return this;
        }
        Map<String, String> merged = new LinkedHashMap<>(values.toMap());
        Map<String, String> from = new LinkedHashMap<>(origins);
        merged.put(EXECUTION_STATE_RECOVERY_PATH.key(), path);
        from.put(EXECUTION_STATE_RECOVERY_PATH.key(), "Flink's configuration");
        return new JobConfig(merged, from);
    }

    /** {@code namespace.table} of the scored table. */
    public String table() {
        return get(SINK_ICEBERG_TABLE);
    }

    /** The dead-letter table: {@code sink.iceberg.errors-table}, else {@code <table>_errors}. */
    public String errorsTable() {
        return getOptional(SINK_ICEBERG_ERRORS_TABLE).orElse(table() + "_errors");
    }

    public boolean batchMode() {
        return get(EXECUTION_RUNTIME_MODE).trim().equalsIgnoreCase("batch");
    }

    /** The Flink configuration the execution environment is created with. */
    public Configuration flinkConfiguration() {
        Configuration conf = new Configuration();
        conf.set(
                ExecutionOptions.RUNTIME_MODE,
                batchMode() ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING);
        getOptional(PARALLELISM).ifPresent(p -> conf.set(CoreOptions.DEFAULT_PARALLELISM, p));
        if (!batchMode()) {
            conf.set(
                    CheckpointingOptions.CHECKPOINTING_INTERVAL,
                    get(EXECUTION_CHECKPOINTING_INTERVAL));
        }
        getOptional(EXECUTION_CHECKPOINTING_DIR)
                .ifPresent(dir -> conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir));
        // Flink's default with checkpointing is to restart forever: a deterministic failure would
        // hang the run instead of failing it. A bounded number of restarts rides out a lost
        // TaskManager; the exactly-once guarantee comes from checkpoints, not from this number.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS,
                get(EXECUTION_RESTART_MAX_ATTEMPTS));
        conf.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                get(EXECUTION_RESTART_DELAY));
        getOptional(EXECUTION_STATE_RECOVERY_PATH)
                .ifPresent(path -> conf.set(StateRecoveryOptions.SAVEPOINT_PATH, path));
        // Without the final checkpoint after the source finishes, the Iceberg committer never sees
        // the rows written since the last periodic checkpoint: they would be lost.
        conf.set(CheckpointingOptions.ENABLE_CHECKPOINTS_AFTER_TASKS_FINISH, true);
        return conf;
    }

    /** Every explicitly set key with its value, for logging. */
    public Map<String, String> toMap() {
        return values.toMap();
    }

    // ---------------------------------------------------------------- validation

    private void validate() {
        for (ConfigOption<?> option : REQUIRED) {
            if (!values.containsKey(option.key()) || values.toMap().get(option.key()).isBlank()) {
                throw new ConfigException(
                        "missing required option '"
                                + option.key()
                                + "': set it in the config file or pass --"
                                + option.key()
                                + " <value> ("
                                + describe(option)
                                + ")");
            }
        }
        for (ConfigOption<?> option : ALL) {
            if (!PREFIX_OPTIONS.contains(option)) {
                get(option); // parses every value now rather than halfway through job building
            }
        }
        String mode = get(EXECUTION_RUNTIME_MODE).trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("batch") && !mode.equals("streaming")) {
            throw invalid(EXECUTION_RUNTIME_MODE, "expected batch or streaming");
        }
        if (batchMode() && !get(SOURCE_KAFKA_BOUNDED)) {
            throw new ConfigException(
                    "execution.runtime-mode 'batch' needs a bounded source but source.kafka.bounded"
                            + " is false: set execution.runtime-mode: streaming or"
                            + " source.kafka.bounded: true");
        }
        String offsets = get(SOURCE_KAFKA_STARTING_OFFSETS).trim().toLowerCase(Locale.ROOT);
        if (offsets.equals("resume") && !get(SOURCE_KAFKA_BOUNDED)) {
            throw new ConfigException(
                    "source.kafka.starting-offsets 'resume' reads up to the offsets seen when the"
                            + " run starts, but source.kafka.bounded is false: set"
                            + " source.kafka.bounded: true");
        }
        if (!Set.of("earliest", "latest", "committed", "resume").contains(offsets)) {
            if (!offsets.startsWith("timestamp:")) {
                throw invalid(
                        SOURCE_KAFKA_STARTING_OFFSETS,
                        "expected earliest, latest, committed, resume or timestamp:<epoch ms>");
            }
            try {
                Long.parseLong(offsets.substring("timestamp:".length()).trim());
            } catch (NumberFormatException e) {
                throw invalid(SOURCE_KAFKA_STARTING_OFFSETS, "timestamp:<epoch ms> needs a number");
            }
        }
        String onMissing = get(SOURCE_KAFKA_ON_MISSING_OFFSETS).trim().toLowerCase(Locale.ROOT);
        if (!onMissing.equals("fail") && !onMissing.equals("skip")) {
            throw invalid(SOURCE_KAFKA_ON_MISSING_OFFSETS, "expected fail or skip");
        }
        String isolation = prefixed(SOURCE_KAFKA_PROPERTIES).get(ISOLATION_LEVEL);
        if (isolation != null
                && !Set.of("read_committed", "read_uncommitted")
                        .contains(isolation.trim().toLowerCase(Locale.ROOT))) {
            throw new ConfigException(
                    "option '"
                            + SOURCE_KAFKA_PROPERTIES.key()
                            + "."
                            + ISOLATION_LEVEL
                            + "' (from "
                            + origins.getOrDefault(
                                    SOURCE_KAFKA_PROPERTIES.key() + "." + ISOLATION_LEVEL,
                                    "default")
                            + ") is '"
                            + isolation
                            + "': expected read_committed (the default) or read_uncommitted");
        }
        if (get(SOURCE_KAFKA_TOPIC).isEmpty()) {
            throw invalid(SOURCE_KAFKA_TOPIC, "name at least one topic");
        }
        positive(BATCH_SIZE);
        if (get(BATCH_MAX_DELAY).isNegative() || get(BATCH_MAX_DELAY).isZero()) {
            throw invalid(BATCH_MAX_DELAY, "expected a positive duration such as 500 ms or 2 s");
        }
        notNegative(BATCH_BUCKETS);
        notNegative(EXECUTION_RESTART_MAX_ATTEMPTS);
        if (get(EXECUTION_RESTART_DELAY).isNegative()) {
            throw invalid(EXECUTION_RESTART_DELAY, "expected 0 s or a positive duration");
        }
        notNegative(MODEL_INTRA_OP_THREADS);
        notNegative(MODEL_INTER_OP_THREADS);
        getOptional(PARALLELISM)
                .filter(p -> p <= 0)
                .ifPresent(
                        p -> {
                            throw invalid(PARALLELISM, "expected a positive number");
                        });
        Duration interval = get(EXECUTION_CHECKPOINTING_INTERVAL);
        if (interval.isNegative() || interval.isZero()) {
            throw invalid(
                    EXECUTION_CHECKPOINTING_INTERVAL,
                    "expected a positive duration: the Iceberg sink commits on checkpoints");
        }
        String catalog = get(SINK_ICEBERG_CATALOG_TYPE).trim().toLowerCase(Locale.ROOT);
        if (!CATALOG_TYPES.contains(catalog)) {
            throw invalid(SINK_ICEBERG_CATALOG_TYPE, "expected one of hadoop, rest, hive, jdbc");
        }
        if ((catalog.equals("hadoop") || catalog.equals("jdbc"))
                && !isSet(SINK_ICEBERG_CATALOG_WAREHOUSE)) {
            throw new ConfigException(
                    "missing option 'sink.iceberg.catalog.warehouse': a "
                            + catalog
                            + " catalog needs a warehouse location; pass"
                            + " --sink.iceberg.catalog.warehouse <path or URI>");
        }
        if (!catalog.equals("hadoop") && !isSet(SINK_ICEBERG_CATALOG_URI)) {
            throw new ConfigException(
                    "missing option 'sink.iceberg.catalog.uri': a "
                            + catalog
                            + " catalog needs a URI; pass --sink.iceberg.catalog.uri <uri>");
        }
        ErrorOptions.policy(this); // errors.* values, checked with the rest of the configuration
        checkTableName(SINK_ICEBERG_TABLE, table());
        checkTableName(SINK_ICEBERG_ERRORS_TABLE, errorsTable());
        if (errorsTable().equals(table())) {
            throw invalid(SINK_ICEBERG_ERRORS_TABLE, "must differ from sink.iceberg.table");
        }
    }

    private void checkTableName(ConfigOption<String> option, String name) {
        int dot = name.lastIndexOf('.');
        if (dot <= 0 || dot == name.length() - 1) {
            throw new ConfigException(
                    "option '"
                            + option.key()
                            + "' is '"
                            + name
                            + "': expected namespace.table, e.g. analytics.scored_reviews");
        }
    }

    private void positive(ConfigOption<Integer> option) {
        if (get(option) <= 0) {
            throw invalid(option, "expected a positive number");
        }
    }

    private void notNegative(ConfigOption<Integer> option) {
        if (get(option) < 0) {
            throw invalid(option, "expected 0 or more");
        }
    }

    private ConfigException invalid(ConfigOption<?> option, String expected) {
        return new ConfigException(
                "option '"
                        + option.key()
                        + "' (from "
                        + origins.getOrDefault(option.key(), "default")
                        + ") is '"
                        + values.toMap()
                                .getOrDefault(option.key(), String.valueOf(option.defaultValue()))
                        + "': "
                        + expected);
    }

    private static String describe(ConfigOption<?> option) {
        String text = OptionsTable.description(option);
        int stop = text.indexOf(". ");
        return stop > 0 ? text.substring(0, stop) : text.replaceAll("\\.$", "");
    }

    /** Fails on the first key no option owns, suggesting the closest known key. */
    private static void checkKnown(Map<String, String> origins) {
        for (Map.Entry<String, String> e : origins.entrySet()) {
            String key = e.getKey();
            if (isKnown(key)) {
                continue;
            }
            String message = "unknown option '" + key + "' (from " + e.getValue() + ")";
            String closest = closestKey(key);
            message +=
                    closest != null
                            ? "; did you mean '" + closest + "'?"
                            : "; run with --help for the list of options";
            throw new ConfigException(message);
        }
    }

    static boolean isKnown(String key) {
        for (ConfigOption<?> option : ALL) {
            if (PREFIX_OPTIONS.contains(option)) {
                if (key.startsWith(option.key() + ".")
                        && key.length() > option.key().length() + 1) {
                    return true;
                }
            } else if (option.key().equals(key)) {
                return true;
            }
        }
        return false;
    }

    /** The known key nearest to {@code key} by edit distance, or null if none is close. */
    static String closestKey(String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (ConfigOption<?> option : ALL) {
            String candidate = option.key();
            String compareTo = key;
            if (PREFIX_OPTIONS.contains(option)) {
                // model.inputs.text is close to model.input.* : compare the prefix part only.
                int cut = Math.min(key.length(), candidate.length() + 1);
                compareTo = key.substring(0, cut).replaceAll("\\.$", "");
            }
            int d = distance(compareTo, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = displayKey(option);
            }
        }
        return bestDistance <= Math.max(3, key.length() / 3) ? best : null;
    }

    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    // ---------------------------------------------------------------- parsing helpers

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, ?> map, Map<String, Object> out) {
        for (Map.Entry<String, ?> e : map.entrySet()) {
            String key = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
            Object value = e.getValue();
            if (value instanceof Map<?, ?> nested) {
                flatten(key, (Map<String, ?>) nested, out);
            } else {
                out.put(key, value);
            }
        }
    }

    private static String normalize(String key, Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Collection<?> list) {
            List<String> items = new ArrayList<>();
            list.forEach(item -> items.add(String.valueOf(item).trim()));
            return String.join(";", items);
        }
        String text = String.valueOf(value).trim();
        if (LIST_KEYS.contains(key)) {
            return String.join(";", splitList(text));
        }
        return text;
    }

    /** Splits on commas and semicolons outside parentheses, so bucket(16, id) stays whole. */
    static List<String> splitList(String text) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        StringBuilder cur = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth = Math.max(0, depth - 1);
            }
            if ((c == ',' || c == ';') && depth == 0) {
                if (!cur.toString().isBlank()) {
                    out.add(cur.toString().trim());
                }
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (!cur.toString().isBlank()) {
            out.add(cur.toString().trim());
        }
        return out;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
