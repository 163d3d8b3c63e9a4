package dev.batchscore.models.internal;

import dev.batchscore.models.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the export directory (the one holding {@code saved_model.pb}) for a path that is either
 * that directory or a TensorFlow Serving base directory of numeric versions.
 */
public final class ExportLocator {
    private static final Logger LOG = LoggerFactory.getLogger(ExportLocator.class);
    static final String SAVED_MODEL_PB = "saved_model.pb";

    /**
     * @param dir the real path of the export directory
     * @param version its numeric version when its name is one
     */
    public record Export(Path dir, OptionalLong version) {}

    private ExportLocator() {}

    public static Export locate(Path path) {
        if (path == null) {
            throw new ModelException("no model path given; pass a SavedModel directory");
        }
        if (!Files.exists(path)) {
            throw new ModelException(
                    "model directory "
                            + path
                            + " does not exist; pass a directory holding saved_model.pb "
                            + "or a TensorFlow Serving base directory with numeric version subdirectories");
        }
        if (!Files.isDirectory(path)) {
            throw new ModelException(
                    "model path "
                            + path
                            + " is a file, not a directory; pass the directory that holds "
                            + "saved_model.pb"
                            + (path.getFileName().toString().equals(SAVED_MODEL_PB)
                                    ? " (" + path.getParent() + ")"
                                    : ""));
        }
        Path real = realPath(path);
        if (Files.isRegularFile(real.resolve(SAVED_MODEL_PB))) {
            return new Export(real, numericVersion(real));
        }
        List<Path> children = list(real);
        Path best = null;
        long bestVersion = -1;
        List<Long> versions = new ArrayList<>();
        for (Path child : children) {
            OptionalLong v = numericVersion(child);
            if (v.isPresent()
                    && Files.isDirectory(child)
                    && Files.isRegularFile(child.resolve(SAVED_MODEL_PB))) {
                versions.add(v.getAsLong());
                if (v.getAsLong() > bestVersion) {
                    bestVersion = v.getAsLong();
                    best = child;
                }
            }
        }
        if (best != null) {
            versions.sort(null);
            LOG.info(
                    "{} is a TensorFlow Serving base directory with versions {}; loading the highest, {}",
                    real,
                    versions,
                    best.getFileName());
            return new Export(best, OptionalLong.of(bestVersion));
        }
        StringBuilder found = new StringBuilder();
        for (Path child : children) {
            if (found.length() > 200) {
                found.append(", ...");
                break;
            }
            found.append(found.length() == 0 ? "" : ", ")
                    .append(child.getFileName())
                    .append(Files.isDirectory(child) ? "/" : "");
        }
        String hint =
                Files.isRegularFile(real.resolve("saved_model.pbtxt"))
                        ? "; saved_model.pbtxt (text format) is not supported, export the binary saved_model.pb"
                        : "; pass a SavedModel export directory or a TensorFlow Serving base directory";
        throw new ModelException(
                "no saved_model.pb in "
                        + real
                        + " and no numeric version subdirectory holding one"
                        + " (found: "
                        + (found.length() == 0 ? "nothing" : found)
                        + ")"
                        + hint);
    }

    private static OptionalLong numericVersion(Path dir) {
        Path name = dir.getFileName();
        if (name == null) {
            return OptionalLong.empty();
        }
        String s = name.toString();
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(s));
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            throw new ModelException(
                    "cannot resolve model directory " + path + ": " + e.getMessage(), e);
        }
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new ModelException(
                    "cannot list model directory " + dir + ": " + e.getMessage(), e);
        }
    }
}
