package dev.batchscore.operators.format;

import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * How the values of a topic's Kafka records become what the job needs: the model's inputs, the
 * passthrough columns, and a one-line reason when a record cannot be read. The one seam between
 * Kafka bytes and the rest of the job: the scoring function, the pre-flight check, table planning
 * and {@code predict} all go through it, and no format's own code lives outside its package.
 *
 * <p>A format is made once, when the job is planned ({@link RecordFormats#create}), with whatever
 * it needs already resolved (a schema's text, a descriptor set's bytes), and travels in the {@code
 * ScoringSpec} to every task, where {@link #reader} prepares the per-task decoding.
 *
 * <p>Planning calls {@link #inferPassthrough}, {@link #resolvePassthrough} and {@link #checkInputs}
 * with values sampled from the topic (possibly none); a format with a schema judges by the schema,
 * one without by the samples. They throw {@link FormatException}, one line naming the fix.
 */
public interface RecordFormat extends Serializable {

    /** The {@code source.format} value of this format. */
    String name();

    /** A reader for one task (used by one thread at a time). */
    RecordReader reader(ReaderSpec spec);

    /**
     * The passthrough columns when {@code output.passthrough} is unset and the table does not exist
     * yet: the record's top-level fields (from the schema, or the sampled values), minus {@code
     * exclude} (the fields the model reads), with the column types this format gives them.
     */
    List<PassthroughField> inferPassthrough(List<byte[]> samples, Set<String> exclude);

    /**
     * The given passthrough fields (from {@code output.passthrough} or an existing table's columns)
     * with the column type this format fills them with; refuses a field it cannot fill.
     */
    List<PassthroughField> resolvePassthrough(List<PassthroughField> fields);

    /**
     * Refuses a mapping that cannot work: a model field that records do not carry, or carry with a
     * type that cannot feed its tensor (by the schema; else when every sample says so).
     *
     * @param spec the model fields and mapping; its passthrough list is not used
     */
    void checkInputs(ReaderSpec spec, List<byte[]> samples);

    /** For {@code inspect}: per model field, one line saying what a record must carry for it. */
    List<String> describeInputs(ReaderSpec spec);

    /**
     * Decoded sample values as plain Java values (maps of field name to value), for messages and
     * {@code predict}'s echo of a record; a value that does not decode is left out.
     */
    default List<java.util.Map<String, Object>> decodeForDisplay(List<byte[]> values) {
        return List.of();
    }

    /** What a reader fills: the model's fields (by the mapping) and the passthrough columns. */
    record ReaderSpec(
            List<FieldSpec> fields,
            java.util.Map<String, String> inputMapping,
            List<PassthroughField> passthrough,
            String serializedExampleInput)
            implements Serializable {
        public ReaderSpec {
            fields = List.copyOf(fields);
            inputMapping = java.util.Map.copyOf(inputMapping);
            passthrough = List.copyOf(passthrough);
        }

        /**
         * One line per model field for {@code inspect}: {@code <noun> '<record field>': <what> (for
         * <the field's type>)}.
         */
        public List<String> describe(
                String noun, java.util.function.Function<FieldSpec, String> what) {
            List<String> out = new java.util.ArrayList<>();
            for (FieldSpec field : fields) {
                out.add(
                        noun
                                + " '"
                                + fieldFor(field.name())
                                + "': "
                                + what.apply(field)
                                + " (for "
                                + field.describeType()
                                + ")");
            }
            return out;
        }

        /**
         * The record field (a path such as {@code a.b} where the format has nesting) a model field
         * reads.
         */
        public String fieldFor(String modelField) {
            return inputMapping.getOrDefault(modelField, modelField);
        }
    }
}
