package dev.batchscore.operators.format.avro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writer schemas by id from a Confluent Schema Registry ({@code GET {url}/schemas/ids/{id}}),
 * cached for the life of the TaskManager: an id names one schema forever, so a schema is fetched
 * once per process however many readers and records use it.
 *
 * <p>A registry that does not answer (refused, timed out, 5xx) is retried with a doubling backoff,
 * then fails the run with {@link UnavailableException}: it is not the records' fault. An id the
 * registry answers 404 for is the record's fault ({@link #fetch} returns null). The user info is
 * sent as HTTP Basic auth and appears in no message or log.
 */
final class SchemaRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    // Package-private and mutable so tests keep the backoff short.
    static int tries = 5;
    static long firstBackoffMillis = 200;
    static Duration requestTimeout = Duration.ofSeconds(30);
    // Where the user info comes from when the option is unset; tests replace it.
    static java.util.function.UnaryOperator<String> environment = System::getenv;

    /** The answer for an id: its schema, or why it is not one (404, not Avro). */
    record Entry(Schema schema, String problem) {}

    private static final ConcurrentHashMap<String, Entry> CACHE = new ConcurrentHashMap<>();

    private static volatile HttpClient client;

    private SchemaRegistry() {}

    /** The registry could not be asked: the run fails, its message names the URL. */
    static final class UnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The schema with {@code id}, or an entry whose {@code problem} says why there is none (the
     * registry does not know the id, or it is not an Avro schema).
     *
     * @param userInfo {@code user:password}, or null for {@link AvroOptions#USER_INFO_ENV}
     */
    static Entry fetch(String url, int id, String userInfo) {
        String key = url + '\n' + id;
        Entry cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        Entry entry = request(url, id, userInfo);
        CACHE.putIfAbsent(key, entry);
        return entry;
    }

    /** Forgets every cached schema (tests). */
    static void clearCache() {
        CACHE.clear();
    }

    private static Entry request(String url, int id, String userInfo) {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        String shown = redacted(base);
        URI uri;
        try {
            uri = URI.create(base + "/schemas/ids/" + id);
        } catch (IllegalArgumentException e) {
            throw new UnavailableException(
                    "option 'source.avro-confluent.url' is '"
                            + shown
                            + "', not a URL: set it to the Schema Registry's base URL",
                    null);
        }
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri)
                        .timeout(requestTimeout)
                        .header(
                                "Accept",
                                "application/vnd.schemaregistry.v1+json, application/json")
                        .GET();
        String auth = userInfo != null ? userInfo : environment.apply(AvroOptions.USER_INFO_ENV);
        if (auth != null && !auth.isEmpty()) {
            request.header(
                    "Authorization",
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(auth.getBytes(StandardCharsets.UTF_8)));
        }
        HttpRequest built = request.build();
        long backoff = firstBackoffMillis;
        String last = null;
        Throwable lastCause = null;
        for (int attempt = 1; attempt <= tries; attempt++) {
            try {
                HttpResponse<String> response =
                        httpClient().send(built, HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status == 200) {
                    return parse(response.body(), id, shown);
                }
                if (status == 404) {
                    return new Entry(
                            null, "schema id " + id + " is not in the registry at " + shown);
                }
                if (status == 401 || status == 403) {
                    throw new UnavailableException(
                            "the Schema Registry at "
                                    + shown
                                    + " refused the request for schema id "
                                    + id
                                    + " (HTTP "
                                    + status
                                    + "): set source.avro-confluent.basic-auth.user-info (or "
                                    + AvroOptions.USER_INFO_ENV
                                    + ") to credentials it accepts",
                            null);
                }
                if (status < 500 && status != 429) {
                    throw new UnavailableException(
                            "the Schema Registry at "
                                    + shown
                                    + " answered HTTP "
                                    + status
                                    + " for schema id "
                                    + id
                                    + ": check that source.avro-confluent.url is the registry's"
                                    + " base URL",
                            null);
                }
                last = "HTTP " + status;
                lastCause = null;
            } catch (IOException e) {
                last =
                        e.getClass().getSimpleName()
                                + (e.getMessage() == null ? "" : ": " + e.getMessage());
                lastCause = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnavailableException(
                        "interrupted while asking the Schema Registry at " + shown, e);
            }
            if (attempt < tries) {
                LOG.warn(
                        "Schema Registry at {} did not answer for schema id {} ({}), try {} of"
                                + " {}; retrying in {} ms",
                        shown,
                        id,
                        last,
                        attempt,
                        tries,
                        backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UnavailableException(
                            "interrupted while asking the Schema Registry at " + shown, e);
                }
                backoff *= 2;
            }
        }
        throw new UnavailableException(
                "the Schema Registry at "
                        + shown
                        + " did not answer for schema id "
                        + id
                        + " after "
                        + tries
                        + " tries (last: "
                        + oneLine(last)
                        + "): check source.avro-confluent.url and that the registry is up",
                lastCause);
    }

    private static Entry parse(String body, int id, String shown) {
        try {
            JsonNode node = JSON.readTree(body);
            JsonNode type = node.get("schemaType");
            if (type != null && !"AVRO".equalsIgnoreCase(type.asText())) {
                return new Entry(
                        null,
                        "schema id "
                                + id
                                + " at "
                                + shown
                                + " is a "
                                + type.asText()
                                + " schema, not Avro: read the topic with its own format");
            }
            JsonNode schema = node.get("schema");
            if (schema == null || !schema.isTextual()) {
                return new Entry(
                        null,
                        "the Schema Registry at "
                                + shown
                                + " answered schema id "
                                + id
                                + " without a 'schema' string");
            }
            return new Entry(new Schema.Parser().parse(schema.asText()), null);
        } catch (IOException | RuntimeException e) {
            return new Entry(
                    null,
                    "schema id "
                            + id
                            + " at "
                            + shown
                            + " is not an Avro schema this reader can parse ("
                            + oneLine(e.getMessage())
                            + ")");
        }
    }

    private static HttpClient httpClient() {
        HttpClient c = client;
        if (c == null) {
            synchronized (SchemaRegistry.class) {
                c = client;
                if (c == null) {
                    c =
                            HttpClient.newBuilder()
                                    .connectTimeout(Duration.ofSeconds(10))
                                    .followRedirects(HttpClient.Redirect.NORMAL)
                                    .build();
                    client = c;
                }
            }
        }
        return c;
    }

    /** {@code url} without any {@code user:password@} in it, for messages. */
    static String redacted(String url) {
        return url.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@", "$1");
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
