package dev.batchscore.models;

import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.proto.SavedModel;

/**
 * Writes a graph built with TensorFlow Java as a SavedModel (tag {@code serve}), byte for byte the
 * same for the same graph, so that models built from a seed can be checksummed and cached. What the
 * reference and test models are written with.
 *
 * <pre>{@code
 * try (Graph graph = new Graph()) {
 *     Ops tf = Ops.create(graph);
 *     ...
 *     SavedModelWriter.writePredict(graph, SavedModelWriter.prepare(dir), "x", x, "y", y);
 * }
 * }</pre>
 */
public final class SavedModelWriter {
    private SavedModelWriter() {}

    /**
     * Creates {@code exportDir} (and its parents) and returns it.
     *
     * @throws IllegalArgumentException when it already holds a {@code saved_model.pb}
     */
    public static Path prepare(Path exportDir) {
        if (Files.exists(exportDir.resolve("saved_model.pb"))) {
            throw new IllegalArgumentException(
                    "a model already exists in "
                            + exportDir
                            + "; remove it or choose another directory");
        }
        try {
            Files.createDirectories(exportDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + exportDir, e);
        }
        return exportDir;
    }

    /**
     * Exports {@code graph} into {@code exportDir} with one signature, {@code serving_default}, a
     * TF Serving predict signature from {@code input} (named {@code inputName}) to {@code output}.
     */
    public static void writePredict(
            Graph graph,
            Path exportDir,
            String inputName,
            Operand<?> input,
            String outputName,
            Operand<?> output) {
        write(
                graph,
                exportDir,
                Signature.builder()
                        .key(Signature.DEFAULT_KEY)
                        .methodName("tensorflow/serving/predict")
                        .input(inputName, input)
                        .output(outputName, output)
                        .build());
    }

    /** Exports {@code graph} with its one {@code signature} into {@code exportDir}. */
    public static void write(Graph graph, Path exportDir, Signature signature) {
        try (Session session = new Session(graph)) {
            SavedModelBundle.exporter(exportDir.toString())
                    .withSession(session)
                    .withSignature(signature)
                    .export();
            rewriteDeterministically(exportDir.resolve("saved_model.pb"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the SavedModel to " + exportDir, e);
        }
    }

    /**
     * The graph comes back from TensorFlow's C++ side with node attributes in hash-map order, so
     * two exports of the same graph differ in bytes. Writing the proto again with sorted map keys
     * makes the same graph give a byte-identical {@code saved_model.pb}.
     */
    private static void rewriteDeterministically(Path savedModelPb) throws IOException {
        SavedModel proto = SavedModel.parseFrom(Files.readAllBytes(savedModelPb));
        try (OutputStream file = Files.newOutputStream(savedModelPb)) {
            CodedOutputStream coded = CodedOutputStream.newInstance(file);
            coded.useDeterministicSerialization();
            proto.writeTo(coded);
            coded.flush();
        }
    }
}
