package dev.batchscore.operators.format.avro;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves the Schema Registry REST API's {@code GET /schemas/ids/{id}} as documented ({@code
 * {"schema": "<schema JSON as a string>"}}, 404 with error code 40403 for an unknown id); no
 * registry can be installed on these machines. Records each request's path and Authorization
 * header, and can answer 500 a given number of times first.
 */
final class FakeSchemaRegistry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request the registry saw. */
    record Request(String method, String path, String authorization) {}

    private final HttpServer server;
    private final Map<Integer, String> schemas = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresLeft = new AtomicInteger();

    FakeSchemaRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(
                "/",
                exchange -> {
                    String path = exchange.getRequestURI().getPath();
                    requests.add(
                            new Request(
                                    exchange.getRequestMethod(),
                                    path,
                                    exchange.getRequestHeaders().getFirst("Authorization")));
                    int status;
                    String body;
                    String prefix = "/schemas/ids/";
                    if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        status = 500;
                        body = "{\"error_code\": 50001, \"message\": \"Error in the backend\"}";
                    } else if (path.startsWith(prefix)
                            && schemas.containsKey(
                                    Integer.parseInt(path.substring(prefix.length())))) {
                        status = 200;
                        body =
                                JSON.writeValueAsString(
                                        Map.of(
                                                "schema",
                                                schemas.get(
                                                        Integer.parseInt(
                                                                path.substring(prefix.length())))));
                    } else {
                        status = 404;
                        body = "{\"error_code\": 40403, \"message\": \"Schema not found\"}";
                    }
                    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders()
                            .add("Content-Type", "application/vnd.schemaregistry.v1+json");
                    exchange.sendResponseHeaders(status, bytes.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(bytes);
                    }
                });
        server.start();
    }

    /** Registers {@code schemaJson} under {@code id}. */
    FakeSchemaRegistry register(int id, String schemaJson) {
        schemas.put(id, schemaJson);
        return this;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
