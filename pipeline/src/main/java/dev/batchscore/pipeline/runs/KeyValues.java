package dev.batchscore.pipeline.runs;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code key=value; key=value} with URL-encoded values: how the ledger writes a small record into
 * one Iceberg table property, readable in {@code SHOW TBLPROPERTIES}.
 */
final class KeyValues {
    private KeyValues() {}

    static String encode(Map<String, String> fields) {
        StringBuilder out = new StringBuilder();
        fields.forEach(
                (k, v) ->
                        out.append(out.isEmpty() ? "" : "; ")
                                .append(k)
                                .append('=')
                                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return out.toString();
    }

    static Map<String, String> decode(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : text.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                fields.put(
                        part.substring(0, eq).trim(),
                        URLDecoder.decode(part.substring(eq + 1).trim(), StandardCharsets.UTF_8));
            }
        }
        return fields;
    }
}
