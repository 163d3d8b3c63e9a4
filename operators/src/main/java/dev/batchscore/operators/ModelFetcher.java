package dev.batchscore.operators;

import dev.batchscore.models.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a {@code model.path} loadable by TensorFlow, which reads SavedModels from local disk only.
 *
 * <p>A plain path or a {@code file:} URI is used where it is. Any other URI ({@code s3://}, {@code
 * gs://}, {@code hdfs://}, ...) is read through Flink's {@link FileSystem}, so it takes the
 * filesystems and credentials the Flink process is configured with (plugins, {@code s3.*} keys):
 * {@link #resolve} pins the export directory (the highest numeric version of a TensorFlow Serving
 * base directory, at planning time) and {@link #localCopy} copies that directory to local disk once
 * per JVM, so every slot of a TaskManager and every restart of the job on it loads the same copy.
 *
 * <p>A copy is atomic: the files go into a temporary directory, which is checked ({@code
 * saved_model.pb}, {@code variables/variables.index} when the model has variables, every file at
 * its listed size) and then renamed into place. A copy that crashed half way is a temporary
 * directory nobody reads. The local directory is keyed by the URI and the listing of the remote
 * files (names, sizes, modification times), so a later JVM on the same disk reuses a complete copy
 * and a model rewritten in place is copied anew.
 *
 * <pre>{@code
 * ModelFetcher.Resolved pinned = ModelFetcher.resolve("s3://models/churn");   // .../churn/7
 * Path local = ModelFetcher.localCopy(pinned.exportUri(), ModelFetcher.defaultLocalDir());
 * }</pre>
 */
public final class ModelFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(ModelFetcher.class);
    private static final String SAVED_MODEL_PB = "saved_model.pb";
    private static final String VARIABLES = "variables";
    private static final String VARIABLES_INDEX = "variables/variables.index";
    private static final String TEMP_PREFIX = ".tmp-";
    private static final java.time.Duration STALE_TEMP = java.time.Duration.ofHours(6);

    /** Local copies made or found by this JVM: (export URI, local root) to the export directory. */
    private static final Map<String, java.nio.file.Path> COPIES = new ConcurrentHashMap<>();

    private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();
    private static final AtomicInteger COPIES_MADE = new AtomicInteger();

    /**
     * @param exportUri the directory holding {@code saved_model.pb}, version pinned
     * @param version its name when it is a TensorFlow Serving version directory
     */
    public record Resolved(String exportUri, Optional<String> version) {}

    /** One remote file of a model: its path relative to the export directory. */
    private record Entry(String relative, long length, long modified) {}

    private ModelFetcher() {}

    /** Where copies go when {@code model.local-dir} is not set: {@code <java.io.tmpdir>/...}. */
    public static java.nio.file.Path defaultLocalDir() {
        return java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "batchscore-models");
    }

    /** The local directory for copies: {@code localDir} if given, else {@link #defaultLocalDir}. */
    public static java.nio.file.Path localDir(String localDir) {
        return localDir == null || localDir.isBlank()
                ? defaultLocalDir()
                : java.nio.file.Path.of(localDir);
    }

    /**
     * The local path {@code modelPath} names, if it is one: a plain path or a {@code file:} URI.
     * Empty for a URI of another filesystem, which {@link #resolve} and {@link #localCopy} read.
     */
    public static Optional<java.nio.file.Path> localPath(String modelPath) {
        String scheme = scheme(modelPath);
        if (scheme == null) {
            return Optional.of(java.nio.file.Path.of(modelPath));
        }
        if (scheme.equals("file")) {
            try {
                URI uri = new URI(modelPath);
                // file:/a, file:///a and file://localhost/a are local; file:relative has no path
                return Optional.of(
                        uri.getPath() == null || uri.getPath().isEmpty()
                                ? java.nio.file.Path.of(uri.getSchemeSpecificPart())
                                : java.nio.file.Path.of(uri.getPath()));
            } catch (URISyntaxException e) {
                return Optional.of(java.nio.file.Path.of(modelPath.substring("file:".length())));
            }
        }
        return Optional.empty();
    }

    /**
     * The model directory {@code modelPath} loads, as a local path: itself when local, else a local
     * copy of the export directory it resolves to (see {@link #resolve}) under {@code localDir}.
     */
    public static java.nio.file.Path localize(String modelPath, java.nio.file.Path localDir) {
        Optional<java.nio.file.Path> local = localPath(modelPath);
        if (local.isPresent()) {
            return local.get();
        }
        return localCopy(resolve(modelPath).exportUri(), localDir);
    }

    /**
     * Pins the export directory of a remote {@code modelUri}: itself when it holds {@code
     * saved_model.pb}, else its highest numeric subdirectory that holds one (a TensorFlow Serving
     * base directory).
     *
     * @throws ModelException when there is no model there; the message names model.path
     */
    public static Resolved resolve(String modelUri) {
        Path path = new Path(trimSlash(modelUri));
        FileSystem fs = fileSystem(path, modelUri);
        FileStatus[] children = list(fs, path, modelUri);
        if (children == null || children.length == 0) {
            throw new ModelException(
                    "model.path '"
                            + modelUri
                            + "' does not exist or is empty: point it at a SavedModel directory"
                            + " (with saved_model.pb) or a TensorFlow Serving base directory");
        }
        List<String> found = new ArrayList<>();
        String bestName = null;
        long bestVersion = -1;
        for (FileStatus child : children) {
            String name = child.getPath().getName();
            found.add(name + (child.isDir() ? "/" : ""));
            if (!child.isDir() && name.equals(SAVED_MODEL_PB)) {
                return new Resolved(path.toString(), numeric(path.getName()));
            }
            Optional<String> version = numeric(name);
            if (child.isDir()
                    && version.isPresent()
                    && Long.parseLong(name) > bestVersion
                    && exists(fs, new Path(child.getPath(), SAVED_MODEL_PB), modelUri)) {
                bestVersion = Long.parseLong(name);
                bestName = name;
            }
        }
        if (bestName != null) {
            String pinned = new Path(path, bestName).toString();
            LOG.info(
                    "{} is a TensorFlow Serving base directory; pinned the highest version, {}",
                    modelUri,
                    pinned);
            return new Resolved(pinned, Optional.of(bestName));
        }
        throw new ModelException(
                "no saved_model.pb in model.path '"
                        + modelUri
                        + "' and no numeric version subdirectory holding one (found: "
                        + String.join(", ", found.subList(0, Math.min(found.size(), 20)))
                        + (found.size() > 20 ? ", ..." : "")
                        + "); point it at a SavedModel export directory or a TensorFlow Serving"
                        + " base directory");
    }

    /**
     * A complete local copy of the export directory {@code exportUri} (any Flink filesystem URI,
     * {@code file:} too), made once per JVM and reused from {@code localDir} when an earlier JVM
     * made it. Callers at the same time wait for one copy. Returns {@code localDir/<key>/<name of
     * the export directory>}, so a version directory keeps its numeric name (the model's {@code
     * _model_version}).
     */
    public static java.nio.file.Path localCopy(String exportUri, java.nio.file.Path localDir) {
        String memo = exportUri + "\n" + localDir.toAbsolutePath();
        java.nio.file.Path known = COPIES.get(memo);
        if (known != null) {
            return known;
        }
        synchronized (LOCKS.computeIfAbsent(memo, k -> new Object())) {
            known = COPIES.get(memo);
            if (known == null) {
                known = copyOrReuse(exportUri, localDir);
                COPIES.put(memo, known);
            }
            return known;
        }
    }

    private static java.nio.file.Path copyOrReuse(String exportUri, java.nio.file.Path localDir) {
        Path source = new Path(trimSlash(exportUri));
        FileSystem fs = fileSystem(source, exportUri);
        List<Entry> listing = new ArrayList<>();
        listRecursively(fs, source, "", listing, exportUri);
        listing.sort(Comparator.comparing(Entry::relative));
        checkComplete(listing.stream().map(Entry::relative).toList(), exportUri);

        String name = source.getName().isEmpty() ? "model" : source.getName();
        String key = key(exportUri, listing);
        java.nio.file.Path target = localDir.resolve(key);
        java.nio.file.Path exportDir = target.resolve(name);
        try {
            Files.createDirectories(localDir);
            if (Files.isDirectory(target)) {
                if (verify(exportDir, listing) == null) {
                    LOG.info("Reusing the local copy {} of model {}", exportDir, exportUri);
                    return exportDir;
                }
                // Not made by this class (a copy is renamed into place only once checked):
                // someone changed it. Move it aside rather than load a damaged model.
                java.nio.file.Path aside =
                        localDir.resolve(TEMP_PREFIX + key + "-damaged-" + UUID.randomUUID());
                LOG.warn(
                        "The local copy {} of model {} is incomplete ({}); copying it again",
                        exportDir,
                        exportUri,
                        verify(exportDir, listing));
                Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
                deleteQuietly(aside);
            }
            removeStaleTemps(localDir, key);
            java.nio.file.Path temp = localDir.resolve(TEMP_PREFIX + key + "-" + UUID.randomUUID());
            long start = System.nanoTime();
            long bytes = 0;
            try {
                java.nio.file.Path tempExport = Files.createDirectories(temp.resolve(name));
                for (Entry entry : listing) {
                    java.nio.file.Path dst = tempExport.resolve(entry.relative());
                    Files.createDirectories(dst.getParent());
                    try (InputStream in = fs.open(new Path(source, entry.relative()))) {
                        bytes += Files.copy(in, dst);
                    }
                }
                String problem = verify(tempExport, listing);
                if (problem != null) {
                    throw new ModelException(
                            "copying model " + exportUri + " to " + temp + " failed: " + problem);
                }
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                    // Another process on this disk renamed its copy first: use that one.
                    String theirs = verify(exportDir, listing);
                    if (theirs != null) {
                        throw new ModelException(
                                "model copy " + exportDir + " appeared incomplete: " + theirs, e);
                    }
                    deleteQuietly(temp);
                    return exportDir;
                } catch (AtomicMoveNotSupportedException e) {
                    throw new ModelException(
                            "model.local-dir "
                                    + localDir
                                    + " cannot rename directories atomically: point it at a local"
                                    + " disk",
                            e);
                }
            } catch (IOException | RuntimeException e) {
                deleteQuietly(temp);
                throw e;
            }
            COPIES_MADE.incrementAndGet();
            LOG.info(
                    "Copied model {} ({} files, {} bytes) to {} in {} ms",
                    exportUri,
                    listing.size(),
                    bytes,
                    exportDir,
                    (System.nanoTime() - start) / 1_000_000);
            return exportDir;
        } catch (IOException e) {
            throw new ModelException(
                    "cannot copy model "
                            + exportUri
                            + " to "
                            + localDir
                            + ": "
                            + e
                            + "; check model.path, the filesystem's credentials and"
                            + " model.local-dir",
                    e);
        }
    }

    /**
     * Deletes what copies of this key left behind when their process died: temporary directories
     * older than {@link #STALE_TEMP}, which no live copy of a model takes that long to fill.
     */
    private static void removeStaleTemps(java.nio.file.Path localDir, String key) {
        long cutoff = System.currentTimeMillis() - STALE_TEMP.toMillis();
        try (Stream<java.nio.file.Path> entries = Files.list(localDir)) {
            for (java.nio.file.Path p : entries.toList()) {
                if (p.getFileName().toString().startsWith(TEMP_PREFIX + key + "-")
                        && Files.getLastModifiedTime(p).toMillis() < cutoff) {
                    LOG.info("Deleting {}, left by a model copy that did not finish", p);
                    deleteQuietly(p);
                }
            }
        } catch (IOException e) {
            LOG.debug("Could not list {}", localDir, e);
        }
    }

    /** Refuses a listing that is no SavedModel before anything is copied. */
    private static void checkComplete(List<String> files, String exportUri) {
        if (!files.contains(SAVED_MODEL_PB)) {
            throw new ModelException(
                    "no saved_model.pb in " + exportUri + ": point model.path at a SavedModel");
        }
        boolean hasVariables = files.stream().anyMatch(f -> f.startsWith(VARIABLES + "/"));
        if (hasVariables && !files.contains(VARIABLES_INDEX)) {
            throw new ModelException(
                    exportUri
                            + " has a variables/ directory without variables/variables.index: the"
                            + " model upload looks incomplete");
        }
    }

    /** Null when {@code dir} holds every listed file at its size, else what is wrong. */
    private static String verify(java.nio.file.Path dir, List<Entry> listing) {
        if (!Files.isRegularFile(dir.resolve(SAVED_MODEL_PB))) {
            return "no " + SAVED_MODEL_PB;
        }
        boolean hasVariables =
                listing.stream().anyMatch(e -> e.relative().startsWith(VARIABLES + "/"));
        if (hasVariables && !Files.isRegularFile(dir.resolve(VARIABLES_INDEX))) {
            return "no " + VARIABLES_INDEX;
        }
        for (Entry entry : listing) {
            java.nio.file.Path file = dir.resolve(entry.relative());
            try {
                if (!Files.isRegularFile(file) || Files.size(file) != entry.length()) {
                    return entry.relative()
                            + " is "
                            + (Files.isRegularFile(file) ? Files.size(file) + " bytes" : "missing")
                            + ", expected "
                            + entry.length()
                            + " bytes";
                }
            } catch (IOException e) {
                return entry.relative() + ": " + e.getMessage();
            }
        }
        return null;
    }

    private static void listRecursively(
            FileSystem fs, Path dir, String prefix, List<Entry> out, String exportUri) {
        FileStatus[] children = list(fs, dir, exportUri);
        if (children == null) {
            return;
        }
        for (FileStatus child : children) {
            String relative = prefix + child.getPath().getName();
            if (child.isDir()) {
                listRecursively(fs, child.getPath(), relative + "/", out, exportUri);
            } else {
                out.add(new Entry(relative, child.getLen(), child.getModificationTime()));
            }
        }
    }

    /** The local directory name: a digest of the URI and of what is there. */
    private static String key(String exportUri, List<Entry> listing) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(exportUri.getBytes(StandardCharsets.UTF_8));
            for (Entry e : listing) {
                digest.update(
                        ("\n" + e.relative() + "\t" + e.length() + "\t" + e.modified())
                                .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest(), 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static FileSystem fileSystem(Path path, String uri) {
        try {
            return path.getFileSystem();
        } catch (IOException e) {
            throw new ModelException(
                    "model.path '"
                            + uri
                            + "': no filesystem for it ("
                            + String.valueOf(e.getMessage()).lines().findFirst().orElse("")
                            + "); for s3:// add Flink's flink-s3-fs-hadoop plugin and its s3.*"
                            + " configuration, for other schemes their Flink filesystem plugin",
                    e);
        }
    }

    private static FileStatus[] list(FileSystem fs, Path dir, String uri) {
        try {
            return fs.exists(dir) ? fs.listStatus(dir) : null;
        } catch (IOException e) {
            throw new ModelException("cannot list model.path '" + uri + "': " + e, e);
        }
    }

    private static boolean exists(FileSystem fs, Path file, String uri) {
        try {
            return fs.exists(file);
        } catch (IOException e) {
            throw new ModelException("cannot read model.path '" + uri + "': " + e, e);
        }
    }

    private static Optional<String> numeric(String name) {
        return !name.isEmpty()
                        && name.length() <= 18
                        && name.chars().allMatch(c -> c >= '0' && c <= '9')
                ? Optional.of(name)
                : Optional.empty();
    }

    /** A URI scheme of two or more letters ({@code C:\models} is a Windows path, not a URI). */
    private static String scheme(String modelPath) {
        int colon = modelPath.indexOf(':');
        if (colon < 2) {
            return null;
        }
        String scheme = modelPath.substring(0, colon);
        return scheme.matches("[A-Za-z][A-Za-z0-9+.-]*") ? scheme.toLowerCase(Locale.ROOT) : null;
    }

    private static String trimSlash(String uri) {
        String s = uri;
        while (s.endsWith("/") && !s.endsWith(":/") && !s.endsWith("://")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    private static void deleteQuietly(java.nio.file.Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<java.nio.file.Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder())
                    .forEach(
                            p -> {
                                try {
                                    Files.deleteIfExists(p);
                                } catch (IOException e) {
                                    // leftovers of a temporary directory are never read
                                }
                            });
        } catch (IOException e) {
            LOG.debug("Could not delete {}", dir, e);
        }
    }

    /** How many copies this JVM made (not reused); for tests. */
    static int copiesMade() {
        return COPIES_MADE.get();
    }

    /** Forgets this JVM's copies, as a new JVM would; for tests. */
    static void forgetCopies() {
        COPIES.clear();
    }
}
