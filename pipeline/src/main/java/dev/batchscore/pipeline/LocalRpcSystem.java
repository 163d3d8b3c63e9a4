package dev.batchscore.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.classloading.SubmoduleClassLoader;
import org.apache.flink.runtime.rpc.CleanupOnCloseRpcSystem;
import org.apache.flink.runtime.rpc.RpcSystem;
import org.apache.flink.util.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded cluster's RPC system (Pekko), loaded from a copy of Flink's {@code
 * flink-rpc-akka.jar} kept between runs. Flink's own loader extracts that 21 MB jar into a new
 * temporary file at every cluster start: ~0.15 s of inflating and writing on the way to a run's
 * first record. The copy lives in the user's cache directory, named by the jar's CRC and size, and
 * is written once (to a temporary file moved into place, so concurrent runs never see half of it).
 * Anything unexpected falls back to Flink's loader.
 */
public final class LocalRpcSystem {
    private static final Logger LOG = LoggerFactory.getLogger(LocalRpcSystem.class);

    /** Where Flink's {@code flink-rpc-akka-loader} keeps the jar (its PekkoRpcSystemLoader). */
    static final String FAT_JAR = "flink-rpc-akka.jar";

    private LocalRpcSystem() {}

    /** The RPC system for a cluster of {@code conf}: from the cached jar, else Flink's loader. */
    static Reference<RpcSystem> load(Configuration conf) {
        try {
            return fromCache(UserCache.directory());
        } catch (Exception | LinkageError e) {
            LOG.debug("Loading the RPC system from a cached jar failed; Flink extracts its own", e);
            return Reference.owned(RpcSystem.load(conf));
        }
    }

    /** The RPC system from the copy in {@code dir} ({@link #cachedJar}). */
    static Reference<RpcSystem> fromCache(Path dir) throws IOException {
        Path jar = cachedJar(dir);
        SubmoduleClassLoader loader =
                new SubmoduleClassLoader(
                        new URL[] {jar.toUri().toURL()}, RpcSystem.class.getClassLoader());
        Iterator<RpcSystem> systems = ServiceLoader.load(RpcSystem.class, loader).iterator();
        if (!systems.hasNext()) {
            loader.close();
            throw new IOException(jar + " holds no " + RpcSystem.class.getName());
        }
        // No temporary file to delete on close: the copy stays for the next run.
        return Reference.owned(new CleanupOnCloseRpcSystem(systems.next(), loader, null));
    }

    /**
     * The copy of Flink's RPC jar in {@code dir}, written if it is not there yet; throws if Flink's
     * loader jar is not on the class path.
     */
    static Path cachedJar(Path dir) throws IOException {
        URL url = RpcSystem.class.getClassLoader().getResource(FAT_JAR);
        if (url == null) {
            throw new IOException(FAT_JAR + " is not on the class path");
        }
        URLConnection connection = url.openConnection();
        if (!(connection instanceof JarURLConnection jarConnection)) {
            throw new IOException(url + " is not inside a jar");
        }
        JarEntry entry = jarConnection.getJarEntry();
        long size = entry.getSize();
        Path jar =
                dir.resolve(
                        "flink-rpc-akka-" + Long.toHexString(entry.getCrc()) + "-" + size + ".jar");
        if (Files.isRegularFile(jar) && Files.size(jar) == size) {
            return jar;
        }
        Files.createDirectories(dir);
        Path partial = Files.createTempFile(dir, "flink-rpc-akka-", ".partial");
        try {
            try (InputStream in = connection.getInputStream()) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            if (Files.size(partial) != size) {
                throw new IOException(
                        "extracted " + Files.size(partial) + " of " + size + " bytes");
            }
            try {
                Files.move(partial, jar, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, jar, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(partial);
        }
        LOG.info("Cached Flink's RPC system for local runs in {}", jar);
        return jar;
    }
}
