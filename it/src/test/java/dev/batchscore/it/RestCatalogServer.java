package dev.batchscore.it;

import java.lang.reflect.Constructor;
import java.net.ServerSocket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Iceberg's own REST catalog test server ({@code RESTCatalogServer} of iceberg-open-api's test
 * fixtures: Jetty serving iceberg-core's {@code RESTCatalogServlet}) in this JVM, in a class loader
 * of its own over the jars the build copies to {@code -Dbatchscore.it.rest-catalog-lib}. It needs
 * iceberg-core with its own Jackson and HttpCore, which iceberg-flink-runtime on the test classpath
 * relocates, so the two cannot share a class loader; the server only shares the JDK with the test.
 */
final class RestCatalogServer implements AutoCloseable {
    private final URLClassLoader loader;
    private final Object server;
    private final int port;

    private RestCatalogServer(URLClassLoader loader, Object server, int port) {
        this.loader = loader;
        this.server = server;
        this.port = port;
    }

    /**
     * Starts a server on a free loopback port whose backend catalog is built from {@code
     * backendProperties} ({@code catalog-impl}, {@code warehouse}, {@code io-impl}, ...).
     */
    static RestCatalogServer start(Map<String, String> backendProperties) throws Exception {
        String lib = System.getProperty("batchscore.it.rest-catalog-lib");
        if (lib == null || !Files.isDirectory(Path.of(lib))) {
            throw new IllegalStateException(
                    "no REST catalog jars (batchscore.it.rest-catalog-lib is "
                            + lib
                            + "): run through Maven, which copies them there");
        }
        List<Path> jars;
        try (Stream<Path> s = Files.list(Path.of(lib))) {
            jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            urls[i] = jars.get(i).toUri().toURL();
        }
        URLClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Map<String, String> config = new HashMap<>(backendProperties);
        config.put("rest.port", Integer.toString(port));
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            Class<?> type = loader.loadClass("org.apache.iceberg.rest.RESTCatalogServer");
            Constructor<?> constructor = type.getDeclaredConstructor(Map.class);
            constructor.setAccessible(true);
            Object server = constructor.newInstance(config);
            type.getMethod("start", boolean.class).invoke(server, false);
            return new RestCatalogServer(loader, server, port);
        } catch (Exception | Error e) {
            loader.close();
            throw e;
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** The catalog's URI, what {@code sink.iceberg.catalog.uri} names. */
    String uri() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() throws Exception {
        try {
            server.getClass().getMethod("stop").invoke(server);
        } finally {
            loader.close();
        }
    }
}
