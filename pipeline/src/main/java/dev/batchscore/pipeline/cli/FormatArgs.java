package dev.batchscore.pipeline.cli;

import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormats;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;

/**
 * The record format options of the commands that read records without a job ({@code predict},
 * {@code inspect}): {@code --source.format} and each format's own keys, spelled as the job's.
 */
final class FormatArgs {
    private FormatArgs() {}

    /** {@code --source.format} and the {@code --source.<format>.<key> VALUE} pairs as job keys. */
    static Map<String, String> parse(String format, List<String> args, String command) {
        Set<String> known = new HashSet<>();
        RecordFormats.options().forEach(o -> known.add(o.key()));
        Map<String, String> out = new LinkedHashMap<>();
        if (format != null) {
            out.put(RecordFormats.SOURCE_FORMAT.key(), format);
        }
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String key = arg.startsWith("--") ? arg.substring(2) : arg;
            String value = null;
            int eq = key.indexOf('=');
            if (eq > 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            }
            if (!arg.startsWith("--") || !known.contains(key)) {
                throw new IllegalArgumentException(
                        "unknown option '" + arg + "'; see " + command + " --help");
            }
            if (value == null) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException("option '" + arg + "' needs a value");
                }
                value = args.get(++i);
            }
            out.put(key, value);
        }
        return out;
    }


    /** The format the keys name. */
    static RecordFormat create(Map<String, String> keys) {
        try {
            return RecordFormats.create(Configuration.fromMap(keys));
        } catch (FormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
