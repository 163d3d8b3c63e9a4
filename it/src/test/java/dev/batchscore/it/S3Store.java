package dev.batchscore.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.DefaultPluginManager;
import org.apache.flink.core.plugin.DirectoryBasedPluginFinder;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real S3-compatible server per test class: s3proxy with its filesystem backend, on loopback,
 * with one bucket and signed (V2/V4) requests. Flink's filesystems in this JVM are set up the way a
 * cluster sets them up: {@code flink-s3-fs-hadoop} loaded as a plugin from the directory the build
 * copies it to ({@code -Dbatchscore.it.flink-plugins}), and the {@code s3.*} keys of {@link
 * #flinkConfiguration()}. The MiniCluster shares this JVM, so its checkpoints, savepoints and model
 * copies go through the same filesystem.
 */
final class S3Store implements BeforeAllCallback, AfterAllCallback {
    static final String BUCKET = "batchscore";
    static final String ACCESS_KEY = "batchscore-it";
    static final String SECRET_KEY = "batchscore-it-secret";

    private S3Proxy proxy;
    private Path dir;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("batchscore-it-s3");
        BlobStore store = new FilesystemNio2BlobStore(dir.toString());
        store.createContainer(BUCKET);
        proxy =
                S3Proxy.builder()
                        .blobStore(store)
                        .endpoint(URI.create("http://127.0.0.1:0"))
                        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                        .build();
        proxy.start();
        while (!proxy.getState().equals("STARTED")) {
            Thread.sleep(10);
        }
        String plugins = System.getProperty("batchscore.it.flink-plugins");
        if (plugins == null || !Files.isDirectory(Path.of(plugins))) {
            throw new IllegalStateException(
                    "no Flink plugins directory (batchscore.it.flink-plugins is "
                            + plugins
                            + "): run through Maven, which copies flink-s3-fs-hadoop there");
        }
        Configuration conf = flinkConfiguration();
        FileSystem.initialize(
                conf,
                new DefaultPluginManager(
                        new DirectoryBasedPluginFinder(Path.of(plugins)).findPlugins(),
                        CoreOptions.getPluginParentFirstLoaderPatterns(conf)));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        // Later test classes in this fork get the plain filesystems back.
        FileSystem.initialize(new Configuration(), null);
        if (proxy != null) {
            proxy.stop();
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    /** {@code s3://<bucket>/<key>}. */
    String uri(String key) {
        return "s3://" + BUCKET + "/" + key;
    }

    /**
     * What a Flink cluster configures for S3 (config.yaml, a FlinkDeployment's flinkConfiguration).
     */
    Configuration flinkConfiguration() {
        Configuration conf = new Configuration();
        conf.setString("s3.endpoint", endpoint());
        conf.setString("s3.path.style.access", "true");
        conf.setString("s3.access-key", ACCESS_KEY);
        conf.setString("s3.secret-key", SECRET_KEY);
        return conf;
    }

    /** The job options that put an Iceberg catalog's files on this store through S3FileIO. */
    List<String> icebergArgs() {
        String p = "--sink.iceberg.catalog.properties.";
        return List.of(
                p + "io-impl",
                "org.apache.iceberg.aws.s3.S3FileIO",
                p + "s3.endpoint",
                endpoint(),
                p + "s3.path-style-access",
                "true",
                p + "s3.access-key-id",
                ACCESS_KEY,
                p + "s3.secret-access-key",
                SECRET_KEY,
                p + "client.region",
                "us-east-1");
    }

    /** Uploads every file under {@code local} to {@code s3://<bucket>/<key>/...}. */
    void upload(Path local, String key) throws IOException {
        org.apache.flink.core.fs.Path target = new org.apache.flink.core.fs.Path(uri(key));
        FileSystem fs = target.getFileSystem();
        try (Stream<Path> files = Files.walk(local)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String relative = local.relativize(file).toString().replace('\\', '/');
                try (InputStream in = Files.newInputStream(file);
                        OutputStream out =
                                fs.create(
                                        new org.apache.flink.core.fs.Path(target, relative),
                                        FileSystem.WriteMode.OVERWRITE)) {
                    in.transferTo(out);
                }
            }
        }
    }

    /** Every object under {@code s3://<bucket>/<key>}, as URIs. */
    List<String> list(String key) throws IOException {
        org.apache.flink.core.fs.Path root = new org.apache.flink.core.fs.Path(uri(key));
        List<String> out = new ArrayList<>();
        FileSystem fs = root.getFileSystem();
        if (fs.exists(root)) {
            collect(fs, root, out);
        }
        return out;
    }

    private static void collect(FileSystem fs, org.apache.flink.core.fs.Path dir, List<String> out)
            throws IOException {
        for (FileStatus status : fs.listStatus(dir)) {
            if (status.isDir()) {
                collect(fs, status.getPath(), out);
            } else {
                out.add(status.getPath().toString());
            }
        }
    }
}
