package dev.batchscore.pipeline.config;

import java.util.LinkedHashMap;
import java.util.Map;

/** The keys no job can do without, with test values, so each test states only what it is about. */
public final class RequiredKeys {
    private RequiredKeys() {}

    /** A new map of the required keys, for the test to add to. */
    public static Map<String, Object> map() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source.kafka.bootstrap-servers", "localhost:9092");
        m.put("source.kafka.topic", "reviews");
        m.put("model.path", "/models/text");
        m.put("sink.iceberg.table", "demo.scored");
        m.put("sink.iceberg.catalog.warehouse", "/tmp/wh");
        return m;
    }
}
