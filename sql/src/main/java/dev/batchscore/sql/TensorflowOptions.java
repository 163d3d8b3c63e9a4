package dev.batchscore.sql;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The {@code WITH} options of a {@code CREATE MODEL ... WITH ('provider' = 'tensorflow', ...)}.
 * README.md's options table is generated from {@link #ALL} (pipeline's {@code
 * OptionsTable.sqlMarkdown}).
 */
public final class TensorflowOptions {
    private TensorflowOptions() {}

    /** The provider's identifier, the value of {@code 'provider'}. */
    public static final String IDENTIFIER = "tensorflow";

    /** Prefix of the input mapping options, {@code input.<signature input> = <INPUT column>}. */
    public static final String INPUT_PREFIX = "input.";

    public static final ConfigOption<String> PATH =
            ConfigOptions.key("path")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "SavedModel directory (with saved_model.pb), or a TensorFlow Serving base"
                                    + " directory whose highest numeric version is used (pinned when the"
                                    + " query is planned). A local path or file:// URI readable by the"
                                    + " client and every TaskManager, or a URI of any Flink filesystem"
                                    + " (s3://, hdfs://, ...; its plugin and credentials configured), copied"
                                    + " once per JVM under java.io.tmpdir/batchscore-models. Required.");

    public static final ConfigOption<String> SIGNATURE =
            ConfigOptions.key("signature")
                    .stringType()
                    .defaultValue("serving_default")
                    .withDescription("The signature to score with.");

    public static final ConfigOption<List<String>> TAGS =
            ConfigOptions.key("tags")
                    .stringType()
                    .asList()
                    .defaultValues("serve")
                    .withDescription(
                            "The meta graph tag set to load, separated by ';' (e.g. 'serve;gpu').");

    public static final ConfigOption<Integer> BATCH_SIZE =
            ConfigOptions.key("batch.size")
                    .intType()
                    .defaultValue(256)
                    .withDescription(
                            "Rows per model call: the rows ML_PREDICT has in flight are gathered into"
                                    + " one call when this many are waiting. ML_PREDICT's async capacity"
                                    + " ('max-concurrent-operations', or"
                                    + " table.exec.async-ml-predict.max-concurrent-operations) must be at"
                                    + " least this, else no batch could fill; 2 x batch.size lets the"
                                    + " next batch gather while one is scored.");

    public static final ConfigOption<Duration> BATCH_MAX_DELAY =
            ConfigOptions.key("batch.max-delay")
                    .durationType()
                    .defaultValue(Duration.ofMillis(200))
                    .withDescription(
                            "A batch that is not full goes to the model this long after its first row,"
                                    + " so the last rows of a bounded input are scored too.");

    public static final ConfigOption<String> INPUT_MAPPING =
            ConfigOptions.key(INPUT_PREFIX + "<name>")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Prefix: 'input.<name>' = '<column>' feeds the signature input (or"
                                    + " tf.Example feature) <name> from that INPUT column. An unmapped"
                                    + " input reads the INPUT column of its own name.");

    public static final ConfigOption<Integer> INTRA_OP_THREADS =
            ConfigOptions.key("intra-op-threads")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "TensorFlow intra-op thread pool size per TaskManager; 0 lets TensorFlow"
                                    + " choose.");

    public static final ConfigOption<Integer> INTER_OP_THREADS =
            ConfigOptions.key("inter-op-threads")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "TensorFlow inter-op thread pool size; 0 lets TensorFlow choose.");

    public static final ConfigOption<String> ERROR_COLUMN =
            ConfigOptions.key("error-column")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A STRING column of OUTPUT that takes the reason a row could not be scored"
                                    + " (its other outputs are then null); null for a scored row. Unset,"
                                    + " the first such row fails the job with the reason.");

    /** Every option, in the order the options table lists them. */
    public static final List<ConfigOption<?>> ALL =
            List.of(
                    PATH,
                    SIGNATURE,
                    TAGS,
                    BATCH_SIZE,
                    BATCH_MAX_DELAY,
                    INPUT_MAPPING,
                    INTRA_OP_THREADS,
                    INTER_OP_THREADS,
                    ERROR_COLUMN);
}
