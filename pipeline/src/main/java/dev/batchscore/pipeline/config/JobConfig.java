package dev.batchscore.pipeline.config;

import static dev.batchscore.pipeline.config.BatchscoreOptions.*;

import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormats;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.YamlParserUtils;

/**
 * The resolved configuration of one job: the one place where precedence is decided. A value comes
 * from the CLI ({@code --<key> <value>} or {@code --<key>=<value>}), else from the YAML config file
 * ({@code --config job.yaml}, flat {@code a.b.c: v} keys and/or nested maps), else from the
 * option's default in {@link BatchscoreOptions}.
 *
 * <p>Construction checks everything that can be checked without touching Kafka, the model or the
 * catalog: unknown keys (with the closest known key as a suggestion), missing required keys, and
 * values that do not parse; then the typed {@link #settings()} check their own values. Each failure
 * is a {@link ConfigException} naming the key.
 *
 * <pre>{@code
 * JobConfig config = JobConfig.fromArgs(new String[] {"--config", "job.yaml", "--batch.size", "512"});
 * int batchSize = config.settings().batch().size();
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

    /** Normalized values: lists are joined with ';', the list separator Flink parses. */
    private final Configuration values;

    /** Where each explicitly set key came from, for error messages. */
    private final Map<String, String> origins;

    /** The origin of a run id taken from Flink's fixed job id. */
    private static final String FIXED_JOB_ID = "Flink's fixed job id";

    /** What the values mean, parsed and checked once. */
    private final JobSettings settings;

    private JobConfig(Map<String, String> values, Map<String, String> origins) {
        this.values = Configuration.fromMap(values);
        this.origins = origins;
        validate();
        this.settings = JobSettings.from(this);
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
            if (option.defaultValue() instanceof Enum<?> choice) {
                throw ConfigException.invalid(
                        option, values.toMap().get(option.key()), "expected " + choices(choice));
            }
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

    /** {@code dead-letter, skip or fail}: the values of an enumType option. */
    private static String choices(Enum<?> example) {
        List<String> names = new ArrayList<>();
        for (Enum<?> e : example.getDeclaringClass().getEnumConstants()) {
            // Flink's RuntimeExecutionMode also has AUTOMATIC, which a scoring job does not take.
            if (e != RuntimeExecutionMode.AUTOMATIC) {
                names.add(e.toString().toLowerCase(Locale.ROOT));
            }
        }
        String last = names.remove(names.size() - 1);
        return names.isEmpty() ? last : String.join(", ", names) + " or " + last;
    }

    /** The typed settings: every value parsed and checked once, when this config was made. */
    public JobSettings settings() {
        return settings;
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

    /**
     * The record format {@code source.format} names, made from its options (reading a schema file,
     * say, here and once).
     */
    RecordFormat recordFormat() {
        try {
            return RecordFormats.create(values);
        } catch (FormatException e) {
            throw new ConfigException(e.getMessage(), e);
        }
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

    /**
     * This configuration with {@code pipeline.run-id} set to Flink's fixed job id, when the run id
     * is not set and the job does not restore a savepoint (whose run the ledger names). Application
     * mode with high availability fixes the job id and runs {@code main()} again after a JobManager
     * failover: with the job id as its run id, the second {@code main()} plans the same run (same
     * positions, same claim) instead of a new one that its own run's claim refuses.
     */
    public JobConfig withFixedJobId(String jobId) {
        if (jobId == null
                || jobId.isBlank()
                || isSet(PIPELINE_RUN_ID)
                || isSet(EXECUTION_STATE_RECOVERY_PATH)) {
            return this;
        }
        Map<String, String> merged = new LinkedHashMap<>(values.toMap());
        Map<String, String> from = new LinkedHashMap<>(origins);
        merged.put(PIPELINE_RUN_ID.key(), jobId);
        from.put(PIPELINE_RUN_ID.key(), FIXED_JOB_ID);
        return new JobConfig(merged, from);
    }

    /** Whether {@code pipeline.run-id} came from {@link #withFixedJobId}. */
    public boolean runIdIsFixedJobId() {
        return FIXED_JOB_ID.equals(origins.get(PIPELINE_RUN_ID.key()));
    }

    /** Every explicitly set key with its value, for logging. */
    public Map<String, String> toMap() {
        return values.toMap();
    }

    // ---------------------------------------------------------------- validation

    private void validate() {
        boolean namedModels =
                values.toMap().keySet().stream().anyMatch(k -> k.startsWith(MODELS.key() + "."));
        for (ConfigOption<?> option : REQUIRED) {
            if (option == MODEL_PATH && namedModels) {
                continue; // models.<name>.path instead
            }
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
    }

    private static String describe(ConfigOption<?> option) {
        String text = BatchscoreOptions.description(option);
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
            // Close relative to what was compared: a short prefix (flink.*) is no match for the
            // first letters of any long key.
            if (d < bestDistance && d <= Math.max(3, compareTo.length() / 3)) {
                bestDistance = d;
                best = displayKey(option);
            }
        }
        return best;
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
