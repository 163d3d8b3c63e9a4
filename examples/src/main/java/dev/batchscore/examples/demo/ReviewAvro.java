package dev.batchscore.examples.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.configuration.Configuration;

/**
 * The demo's reviews as Avro ({@code ./batchscore demo --format avro}): one schema, written by
 * Avro's own {@code GenericDatumWriter}, read by the job's {@code avro} format with the schema
 * inline. {@code created_at} is a {@code timestamp-millis}, so its column is a timestamp.
 */
final class ReviewAvro {
    private ReviewAvro() {}

    static final Schema SCHEMA =
            new Schema.Parser()
                    .parse(
                            "{\"type\":\"record\",\"name\":\"Review\",\"namespace\":\"demo\",\"fields\":["
                                    + "{\"name\":\"review_id\",\"type\":\"string\"},"
                                    + "{\"name\":\"product_id\",\"type\":\"string\"},"
                                    + "{\"name\":\"product\",\"type\":\"string\"},"
                                    + "{\"name\":\"user_id\",\"type\":\"long\"},"
                                    + "{\"name\":\"rating\",\"type\":\"long\"},"
                                    + "{\"name\":\"price\",\"type\":\"double\"},"
                                    + "{\"name\":\"helpful_votes\",\"type\":\"long\"},"
                                    + "{\"name\":\"verified_purchase\",\"type\":\"boolean\"},"
                                    + "{\"name\":\"review_text\",\"type\":\"string\"},"
                                    + "{\"name\":\"created_at\",\"type\":{\"type\":\"long\","
                                    + "\"logicalType\":\"timestamp-millis\"}}]}");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ThreadLocal<GenericDatumWriter<GenericRecord>> WRITER =
            ThreadLocal.withInitial(() -> new GenericDatumWriter<>(SCHEMA));

    /** The job's format for these records. */
    static RecordFormat format() {
        return RecordFormats.create(
                Configuration.fromMap(
                        Map.of("source.format", "avro", "source.avro.schema", SCHEMA.toString())));
    }

    /** The review {@link ReviewGenerator} wrote as JSON, as Avro binary of {@link #SCHEMA}. */
    static byte[] encode(String json) {
        try {
            JsonNode review = JSON.readTree(json);
            GenericRecord r = new GenericData.Record(SCHEMA);
            for (Schema.Field f : SCHEMA.getFields()) {
                JsonNode v = review.get(f.name());
                Object value =
                        switch (f.name()) {
                            case "user_id", "rating", "helpful_votes" -> v.asLong();
                            case "price" -> v.asDouble();
                            case "verified_purchase" -> v.asBoolean();
                            case "created_at" -> Instant.parse(v.asText()).toEpochMilli();
                            default -> v.asText();
                        };
                r.put(f.name(), value);
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            WRITER.get().write(r, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
