package dev.batchscore.examples.bench;

import dev.batchscore.examples.ReferenceModels;
import dev.batchscore.models.SavedModelWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A generated SavedModel that is slow to load: hundreds of MB of float variables in its {@code
 * variables/} checkpoint, of which scoring reads one row per table, so a batch costs next to
 * nothing while a load must read every byte. The bench's second model for {@code
 * naive-load-per-batch}: that anti-pattern's cost is the model's load time, which the reference
 * tabular model (weights as graph constants, no checkpoint) keeps at a few milliseconds. 300 MB
 * loads in 0.2-0.5 s from the page cache on the 2-core development machine (docs/performance.md,
 * section 9).
 *
 * <p>The signature is the tabular model's, so the same records score with either:
 *
 * <pre>
 * features DT_FLOAT [-1,64]
 *   table_0 .. table_{T-1}: VariableV2 DT_FLOAT [rows,64] each, zeros until the checkpoint is restored
 *   w = (table_0[rows-1] + table_1[rows-2] + ... + table_{T-1}[rows-T]) / T     (Gather, one row each)
 *   -> probability = sigmoid(features . w) DT_FLOAT [-1]
 * </pre>
 *
 * <p>The variables' initializer is a zero fill; their values, element {@code k} of table {@code t}
 * being {@code ((64 * rows * t + k) mod 2003 - 1001) / 1001}, are computed in the graph by the
 * assign ops of the scope {@code generate} before export, and only the checkpoint carries them: a
 * load that skipped the restore would score 0.5 for every record. TF Java's exporter saves {@code
 * VariableV2} variables only ({@code Graph.saverDef} adds SaveV2/RestoreV2 over them), which is why
 * these are not resource variables. Built in 2-9 s for 300 MB on 2 cores, so the bench builds it
 * into its scratch directory each run instead of keeping a cache.
 */
public final class BigVariablesModel {
    public static final String NAME = "bigvars";
    public static final int COLUMNS = ReferenceModels.TABULAR_FEATURES;

    // Element values cycle with this period: (k mod PERIOD - HALF) / HALF lies in [-1, 1] and is
    // computed bit for bit the same in Java (int arithmetic, one float division).
    private static final int PERIOD = 2003;
    private static final int HALF = PERIOD / 2;

    /** {@code tables} variables of {@code rows} x {@link #COLUMNS} floats each. */
    public record Size(int tables, int rows) {
        public Size {
            if (tables < 1 || rows < tables) {
                throw new IllegalArgumentException(
                        "need at least one table and as many rows as tables; got "
                                + tables
                                + " tables of "
                                + rows
                                + " rows");
            }
            if ((long) tables * rows * COLUMNS > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "at most " + Integer.MAX_VALUE + " floats; got " + tables + " x " + rows);
            }
        }

        /** About {@code megabytes} MB (10^6 bytes) in {@code tables} variables. */
        public static Size ofMegabytes(int tables, int megabytes) {
            return new Size(
                    tables, (int) (megabytes * 1_000_000L / tables / COLUMNS / Float.BYTES));
        }

        /** Bytes of variables: what the checkpoint holds and a load reads. */
        public long bytes() {
            return (long) tables * rows * COLUMNS * Float.BYTES;
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%d float variables of %,d x %d (%.0f MB)",
                    tables,
                    rows,
                    COLUMNS,
                    bytes() / 1e6);
        }
    }

    /** What the bench loads: 300 MB in 8 variables of 146,484 x 64. */
    public static final Size BENCH = Size.ofMegabytes(8, 300);

    private BigVariablesModel() {}

    /**
     * Writes the model to {@code baseDir/bigvars/1} and returns that directory. Fails if it already
     * holds a model.
     */
    public static Path build(Path baseDir, Size size) {
        Path exportDir =
                SavedModelWriter.prepare(baseDir.resolve(NAME).resolve(ReferenceModels.VERSION));
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> features =
                    tf.withName(ReferenceModels.TABULAR_INPUT)
                            .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, COLUMNS)));
            Operand<TInt64> dims = tf.constant(new long[] {size.rows(), COLUMNS});
            List<Variable<TFloat32>> tables = new ArrayList<>();
            List<Operand<TFloat32>> rows = new ArrayList<>();
            for (int t = 0; t < size.tables(); t++) {
                Variable<TFloat32> table =
                        tf.withName("table_" + t).variable(tf.zeros(dims, TFloat32.class));
                tables.add(table);
                rows.add(
                        tf.gather(
                                table, tf.constant(new int[] {probeRow(size, t)}), tf.constant(0)));
            }
            Operand<TFloat32> w =
                    tf.math.mul(tf.math.addN(rows), tf.constant(1f / size.tables())); // [1,64]
            Operand<TFloat32> logit = tf.linalg.matMul(features, w, MatMul.transposeB(true));
            Operand<TFloat32> probability =
                    tf.withName(ReferenceModels.TABULAR_OUTPUT)
                            .reshape(tf.math.sigmoid(logit), tf.constant(new int[] {-1}));

            List<Op> generate = new ArrayList<>();
            Ops gen = tf.withSubScope("generate");
            for (int t = 0; t < size.tables(); t++) {
                generate.add(gen.assign(tables.get(t), values(gen, size, t)));
            }

            try (Session session = new Session(graph)) {
                session.initialize();
                Session.Runner runner = session.runner();
                generate.forEach(runner::addTarget);
                runner.run().close();
                SavedModelBundle.exporter(exportDir.toString())
                        .withSession(session)
                        .withSignature(
                                Signature.builder()
                                        .key(Signature.DEFAULT_KEY)
                                        .methodName("tensorflow/serving/predict")
                                        .input(ReferenceModels.TABULAR_INPUT, features)
                                        .output(ReferenceModels.TABULAR_OUTPUT, probability)
                                        .build())
                        .export();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the SavedModel to " + exportDir, e);
        }
        return exportDir;
    }

    /** Table {@code t}'s element {@code k = row * 64 + col}, as the graph computes it. */
    private static Operand<TFloat32> values(Ops tf, Size size, int t) {
        int count = size.rows() * COLUMNS;
        Operand<TInt32> k =
                tf.math.add(
                        tf.range(tf.constant(0), tf.constant(count), tf.constant(1)),
                        tf.constant(t * count));
        Operand<TInt32> cycled =
                tf.math.sub(tf.math.floorMod(k, tf.constant(PERIOD)), tf.constant(HALF));
        return tf.reshape(
                tf.math.div(tf.dtypes.cast(cycled, TFloat32.class), tf.constant((float) HALF)),
                tf.constant(new int[] {size.rows(), COLUMNS}));
    }

    /** The row of table {@code t} that scoring reads. */
    static int probeRow(Size size, int t) {
        return size.rows() - 1 - t;
    }

    /** Element ({@code row}, {@code col}) of table {@code t}, as the checkpoint holds it. */
    static float value(Size size, int t, int row, int col) {
        int k = t * size.rows() * COLUMNS + row * COLUMNS + col;
        return (float) (Math.floorMod(k, PERIOD) - HALF) / (float) HALF;
    }

    /** The model's score of {@code features}, computed in Java (to within float rounding). */
    static double probability(Size size, float[] features) {
        double logit = 0;
        for (int col = 0; col < COLUMNS; col++) {
            double w = 0;
            for (int t = 0; t < size.tables(); t++) {
                w += value(size, t, probeRow(size, t), col);
            }
            logit += features[col] * w / size.tables();
        }
        return 1 / (1 + Math.exp(-logit));
    }
}
