package dev.batchscore.examples;

import dev.batchscore.models.SavedModelWriter;
import dev.batchscore.pipeline.cli.Examples;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.strings.StringSplit;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Builds the two reference SavedModels batchscore demos and benchmarks with, using TensorFlow Java
 * only (no Python). Weights are drawn from {@link java.util.Random} seeded by the caller and
 * embedded in the graph as constants, so the same seed gives the same weights and the same scores;
 * building either model takes well under a second.
 *
 * <p>Layout: a TensorFlow Serving base directory with version {@code 1}, e.g. {@code
 * DIR/tabular/1/saved_model.pb}. The build methods return the version directory ({@code
 * DIR/tabular/1}), which {@code SavedModelBundle.load}, {@code saved_model_cli} and {@code
 * ModelRegistry.acquire} all accept; {@code ModelRegistry.acquire} also accepts the base ({@code
 * DIR/tabular}). Both models have tag {@code serve} and one signature, {@code serving_default}:
 *
 * <pre>
 * tabular  features DT_FLOAT [-1,64] -> dense 512 relu -> dense 512 relu -> dense 1 sigmoid
 *          -> probability DT_FLOAT [-1]
 * text     text DT_STRING [-1] -> lower -> punctuation to spaces -> split on whitespace
 *          -> hash into 8192 buckets -> embedding (16) -> mean per row -> dense 1 sigmoid
 *          -> sentiment DT_FLOAT [-1]
 * </pre>
 *
 * <p>The text model is not trained, but the embeddings of a few sentiment words ({@link
 * #POSITIVE_WORDS}, {@link #NEGATIVE_WORDS}) are set so that they push the score up or down, so
 * demo output reads plausibly. A text without words scores exactly 0.5.
 *
 * <p>From the command line: {@code batchscore build-models tabular|text|all DIR [--seed N]}.
 */
public final class ReferenceModels {
    private static final Logger LOG = LoggerFactory.getLogger(ReferenceModels.class);

    public static final String TABULAR = "tabular";
    public static final String TEXT = "text";
    public static final long DEFAULT_SEED = Examples.DEFAULT_SEED;

    /** The version directory the models are written to under their base directory. */
    public static final String VERSION = "1";

    public static final String TABULAR_INPUT = "features";
    public static final String TABULAR_OUTPUT = "probability";
    public static final int TABULAR_FEATURES = 64;
    public static final int TABULAR_HIDDEN = 512;

    /** The tabular model's layer widths, as {@code bench-model} prints them. */
    public static final String TABULAR_LAYERS =
            TABULAR_FEATURES + " -> " + TABULAR_HIDDEN + " -> " + TABULAR_HIDDEN + " -> 1";

    public static final String TEXT_INPUT = "text";
    public static final String TEXT_OUTPUT = "sentiment";
    // 8192 rather than 4096: at 4096, common words ("would", "two", "get") share a bucket with a
    // sentiment word and a neutral sentence reads as glowing. ReferenceModelsTest checks a list.
    public static final long TEXT_BUCKETS = 8192;
    static final int TEXT_EMBEDDING = 16;

    /** Words whose embedding pushes the sentiment score towards 1. */
    public static final List<String> POSITIVE_WORDS =
            List.of(
                    "good",
                    "great",
                    "love",
                    "loved",
                    "excellent",
                    "amazing",
                    "perfect",
                    "happy",
                    "best",
                    "fantastic",
                    "wonderful",
                    "recommend",
                    "nice",
                    "awesome",
                    "fast");

    /** Words whose embedding pushes the sentiment score towards 0. */
    public static final List<String> NEGATIVE_WORDS =
            List.of(
                    "bad",
                    "broken",
                    "terrible",
                    "awful",
                    "worst",
                    "hate",
                    "poor",
                    "refund",
                    "disappointed",
                    "useless",
                    "slow",
                    "horrible",
                    "defective",
                    "waste",
                    "not");

    // How far one sentiment word moves the logit: a sentence of two words, one of them "great",
    // scores sigmoid(SENTIMENT_WEIGHT / 2) ~ 0.95.
    private static final float SENTIMENT_WEIGHT = 6f;

    private ReferenceModels() {}

    /**
     * Writes the tabular model to {@code baseDir/tabular/1} and returns that directory. Fails if it
     * already holds a model.
     */
    public static Path buildTabular(Path baseDir, long seed) {
        Path exportDir = exportDir(baseDir, TABULAR);
        Random random = new Random(seed);
        // He initialisation keeps the activations' scale through the ReLU layers, so that for
        // standard-normal features the probabilities spread over (0, 1) instead of saturating.
        float[][] w1 =
                gaussian(random, TABULAR_FEATURES, TABULAR_HIDDEN, heStddev(TABULAR_FEATURES));
        float[] b1 = gaussian(random, TABULAR_HIDDEN, 0.01);
        float[][] w2 = gaussian(random, TABULAR_HIDDEN, TABULAR_HIDDEN, heStddev(TABULAR_HIDDEN));
        float[] b2 = gaussian(random, TABULAR_HIDDEN, 0.01);
        float[][] w3 = gaussian(random, TABULAR_HIDDEN, 1, Math.sqrt(1.0 / TABULAR_HIDDEN));
        float[] b3 = {0f};

        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> features =
                    tf.withName(TABULAR_INPUT)
                            .placeholder(
                                    TFloat32.class,
                                    Placeholder.shape(Shape.of(-1, TABULAR_FEATURES)));
            Operand<TFloat32> h1 = dense(tf.withSubScope("dense_1"), features, w1, b1);
            Operand<TFloat32> a1 = tf.nn.relu(h1);
            Operand<TFloat32> h2 = dense(tf.withSubScope("dense_2"), a1, w2, b2);
            Operand<TFloat32> a2 = tf.nn.relu(h2);
            Operand<TFloat32> logit = dense(tf.withSubScope("dense_3"), a2, w3, b3);
            writeScore(graph, tf, exportDir, TABULAR_INPUT, features, TABULAR_OUTPUT, logit);
        }
        LOG.info("Built reference model '{}' (seed {}) in {}", TABULAR, seed, exportDir);
        return exportDir;
    }

    /**
     * Writes the text sentiment model to {@code baseDir/text/1} and returns that directory. Fails
     * if it already holds a model.
     */
    public static Path buildText(Path baseDir, long seed) {
        Path exportDir = exportDir(baseDir, TEXT);
        Random random = new Random(seed);
        float[][] embedding = gaussian(random, (int) TEXT_BUCKETS, TEXT_EMBEDDING, 0.05);
        float[][] weights = gaussian(random, TEXT_EMBEDDING, 1, 0.1);
        float[] bias = {0f};
        // Dimension 0 carries the sentiment: the sentiment words' buckets get +-1 there, every
        // other bucket keeps a small random value, and the dense layer weighs dimension 0 heavily.
        weights[0][0] = SENTIMENT_WEIGHT;
        long[] positive = hashBuckets(POSITIVE_WORDS);
        long[] negative = hashBuckets(NEGATIVE_WORDS);
        for (long bucket : positive) {
            embedding[(int) bucket][0] = 1f;
        }
        for (long bucket : negative) {
            embedding[(int) bucket][0] = -1f;
        }

        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TString> text =
                    tf.withName(TEXT_INPUT)
                            .placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
            Ops tok = tf.withSubScope("tokenize");
            Operand<TString> lower = tok.strings.lower(text);
            Operand<TString> cleaned =
                    tok.strings.regexReplace(lower, tok.constant("[^a-z0-9']+"), tok.constant(" "));
            // An empty separator splits on runs of whitespace and drops empty tokens.
            StringSplit split = tok.strings.stringSplit(cleaned, tok.constant(""));
            Operand<TInt64> buckets = tok.strings.toHashBucketFast(split.values(), TEXT_BUCKETS);
            Operand<TInt64> rowIds =
                    tok.stridedSlice(split.indices(), Indices.all(), Indices.at(0));
            Operand<TInt64> rows = tok.stridedSlice(tok.shape(text, TInt64.class), Indices.at(0));

            Ops emb = tf.withSubScope("embedding");
            Operand<TFloat32> vectors =
                    emb.gather(emb.constant(embedding), buckets, emb.constant(0));
            Operand<TFloat32> sums = emb.math.unsortedSegmentSum(vectors, rowIds, rows);
            Operand<TFloat32> counts =
                    emb.math.unsortedSegmentSum(
                            emb.onesLike(emb.dtypes.cast(rowIds, TFloat32.class)), rowIds, rows);
            // A row without tokens has a zero sum; dividing by max(count, 1) keeps it at zero
            // (score 0.5) instead of 0/0 = NaN.
            Operand<TFloat32> mean =
                    emb.math.div(
                            sums,
                            emb.expandDims(
                                    emb.math.maximum(counts, emb.constant(1f)), emb.constant(1)));

            Operand<TFloat32> logit = dense(tf.withSubScope("dense"), mean, weights, bias);
            writeScore(graph, tf, exportDir, TEXT_INPUT, text, TEXT_OUTPUT, logit);
        }
        LOG.info("Built reference model '{}' (seed {}) in {}", TEXT, seed, exportDir);
        return exportDir;
    }

    /** What {@link #build} accepts: one model's name, or {@code all}. */
    public static final List<String> CHOICES = Examples.MODELS;

    /**
     * Builds {@code which} ({@code tabular}, {@code text} or {@code all}, in any case) under {@code
     * dir} with {@code seed} and returns each model's version directory ({@code batchscore
     * build-models}).
     *
     * @throws IllegalArgumentException with a one-line message when {@code which} is none of those,
     *     or a model already exists there
     */
    public static List<Path> build(String which, Path dir, long seed) {
        String name = which.toLowerCase(Locale.ROOT);
        if (!CHOICES.contains(name)) {
            throw new IllegalArgumentException(
                    "unknown model '" + name + "'; expected tabular, text or all");
        }
        List<Path> built = new ArrayList<>();
        if (name.equals(TABULAR) || name.equals("all")) {
            built.add(buildTabular(dir, seed));
        }
        if (name.equals(TEXT) || name.equals("all")) {
            built.add(buildText(dir, seed));
        }
        return built;
    }

    private static Path exportDir(Path baseDir, String name) {
        return SavedModelWriter.prepare(baseDir.resolve(name).resolve(VERSION));
    }

    /**
     * How both reference models end: the output {@code outputName} is the sigmoid of {@code logit}
     * as one score per record, written with one predict signature from {@code input}.
     */
    private static void writeScore(
            Graph graph,
            Ops tf,
            Path exportDir,
            String inputName,
            Operand<?> input,
            String outputName,
            Operand<TFloat32> logit) {
        Operand<TFloat32> score =
                tf.withName(outputName)
                        .reshape(tf.math.sigmoid(logit), tf.constant(new int[] {-1}));
        SavedModelWriter.writePredict(graph, exportDir, inputName, input, outputName, score);
    }

    private static Operand<TFloat32> dense(
            Ops tf, Operand<TFloat32> input, float[][] weights, float[] bias) {
        return tf.nn.biasAdd(
                tf.linalg.matMul(input, tf.withName("kernel").constant(weights)),
                tf.withName("bias").constant(bias));
    }

    /** The buckets TensorFlow's own StringToHashBucketFast puts these words in. */
    private static long[] hashBuckets(List<String> words) {
        try (Graph graph = new Graph();
                Session session = new Session(graph)) {
            Ops tf = Ops.create(graph);
            Operand<TInt64> buckets =
                    tf.strings.toHashBucketFast(
                            tf.constant(StandardCharsets.UTF_8, words.toArray(String[]::new)),
                            TEXT_BUCKETS);
            try (Result result = session.runner().fetch(buckets).run()) {
                TInt64 values = (TInt64) result.get(0);
                long[] out = new long[words.size()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = values.getLong(i);
                }
                return out;
            }
        }
    }

    private static double heStddev(int fanIn) {
        return Math.sqrt(2.0 / fanIn);
    }

    private static float[][] gaussian(Random random, int rows, int cols, double stddev) {
        float[][] values = new float[rows][cols];
        for (float[] row : values) {
            for (int j = 0; j < cols; j++) {
                row[j] = (float) (random.nextGaussian() * stddev);
            }
        }
        return values;
    }

    private static float[] gaussian(Random random, int size, double stddev) {
        float[] values = new float[size];
        for (int j = 0; j < size; j++) {
            values[j] = (float) (random.nextGaussian() * stddev);
        }
        return values;
    }
}
