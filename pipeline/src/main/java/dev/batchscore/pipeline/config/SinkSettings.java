package dev.batchscore.pipeline.config;

import static dev.batchscore.pipeline.config.BatchscoreOptions.*;

import dev.batchscore.operators.PassthroughField;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code sink.iceberg.*} and {@code output.*} options: the Iceberg catalog, the scored and
 * errors tables, and which record fields are copied next to the model outputs.
 *
 * <pre>{@code
 * SinkSettings sink = SinkSettings.hadoop("file:/data/warehouse", "analytics.scored_reviews")
 *         .withPartitionBy(List.of("day(_scored_at)"));
 * }</pre>
 *
 * @param uri the REST endpoint, Hive metastore URI or JDBC URL; null for a Hadoop catalog
 * @param warehouse the warehouse location; null where the catalog has its own
 * @param errorsTable the dead-letter table; {@code <table>_errors} when given as null
 * @param passthrough the fields copied to the table, or null: the existing table's non-output
 *     columns, else the top-level fields of the first records of the topic
 */
public record SinkSettings(
        CatalogType catalogType,
        String uri,
        String warehouse,
        Map<String, String> catalogProperties,
        String table,
        String errorsTable,
        List<String> partitionBy,
        Map<String, String> tableProperties,
        List<PassthroughField> passthrough) {

    /** {@code sink.iceberg.catalog.type}. */
    public enum CatalogType {
        HADOOP,
        REST,
        HIVE,
        JDBC;

        /** Hadoop and JDBC catalogs keep their files under a warehouse location given here. */
        public boolean needsWarehouse() {
            return this == HADOOP || this == JDBC;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SinkSettings {
        Objects.requireNonNull(catalogType, SINK_ICEBERG_CATALOG_TYPE.key());
        Objects.requireNonNull(table, SINK_ICEBERG_TABLE.key());
        catalogProperties = Map.copyOf(catalogProperties);
        partitionBy = List.copyOf(partitionBy);
        tableProperties = Map.copyOf(tableProperties);
        passthrough = passthrough == null ? null : List.copyOf(passthrough);
        errorsTable = errorsTable == null ? table + "_errors" : errorsTable;
        if (catalogType.needsWarehouse() && warehouse == null) {
            throw new ConfigException(
                    "missing option 'sink.iceberg.catalog.warehouse': a "
                            + catalogType
                            + " catalog needs a warehouse location; pass"
                            + " --sink.iceberg.catalog.warehouse <path or URI>");
        }
        if (catalogType != CatalogType.HADOOP && uri == null) {
            throw new ConfigException(
                    "missing option 'sink.iceberg.catalog.uri': a "
                            + catalogType
                            + " catalog needs a URI; pass --sink.iceberg.catalog.uri <uri>");
        }
        checkTableName(SINK_ICEBERG_TABLE, table);
        checkTableName(SINK_ICEBERG_ERRORS_TABLE, errorsTable);
        if (errorsTable.equals(table)) {
            throw ConfigException.invalid(
                    SINK_ICEBERG_ERRORS_TABLE, errorsTable, "must differ from sink.iceberg.table");
        }
    }

    /** {@code table} in a Hadoop catalog at {@code warehouse}, with the defaults. */
    public static SinkSettings hadoop(String warehouse, String table) {
        return new SinkSettings(
                CatalogType.HADOOP,
                null,
                warehouse,
                Map.of(),
                table,
                null,
                List.of(),
                Map.of(),
                null);
    }

    /** {@code table} in a catalog of {@code type} (rest, hive, jdbc need {@code uri}). */
    public static SinkSettings catalog(
            CatalogType type, String uri, String warehouse, String table) {
        return new SinkSettings(
                type, uri, warehouse, Map.of(), table, null, List.of(), Map.of(), null);
    }

    static SinkSettings from(JobConfig config) {
        List<PassthroughField> passthrough = null;
        if (config.isSet(OUTPUT_PASSTHROUGH)) {
            passthrough = new ArrayList<>();
            for (String text : config.get(OUTPUT_PASSTHROUGH)) {
                passthrough.add(parsePassthrough(text));
            }
        }
        return new SinkSettings(
                config.get(SINK_ICEBERG_CATALOG_TYPE),
                config.getOptional(SINK_ICEBERG_CATALOG_URI).orElse(null),
                config.getOptional(SINK_ICEBERG_CATALOG_WAREHOUSE).orElse(null),
                config.prefixed(SINK_ICEBERG_CATALOG_PROPERTIES),
                config.get(SINK_ICEBERG_TABLE),
                config.getOptional(SINK_ICEBERG_ERRORS_TABLE).orElse(null),
                config.getOptional(SINK_ICEBERG_PARTITION_BY).orElse(List.of()),
                config.prefixed(SINK_ICEBERG_TABLE_PROPERTIES),
                passthrough);
    }

    /** {@code name} or {@code name:type}, as {@code output.passthrough} takes them. */
    public static PassthroughField parsePassthrough(String text) {
        try {
            return PassthroughField.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("output.passthrough: " + e.getMessage(), e);
        }
    }

    public SinkSettings withCatalogProperties(Map<String, String> props) {
        return new Copy(this).edit(c -> c.catalogProperties = props);
    }

    public SinkSettings withErrorsTable(String name) {
        return new Copy(this).edit(c -> c.errorsTable = name);
    }

    public SinkSettings withPartitionBy(List<String> spec) {
        return new Copy(this).edit(c -> c.partitionBy = spec);
    }

    public SinkSettings withTableProperties(Map<String, String> props) {
        return new Copy(this).edit(c -> c.tableProperties = props);
    }

    /** The fields copied next to the model outputs, e.g. {@code "user_id:long"}. */
    public SinkSettings withPassthrough(List<String> fields) {
        List<PassthroughField> parsed = new ArrayList<>();
        fields.forEach(f -> parsed.add(parsePassthrough(f)));
        return new Copy(this).edit(c -> c.passthrough = parsed);
    }

    /** {@link #passthrough()}, empty when it is to be inferred. */
    public Optional<List<PassthroughField>> passthroughFields() {
        return Optional.ofNullable(passthrough);
    }

    /** Where the catalog lives, for messages: the URI, else the warehouse. */
    public String location() {
        return uri != null ? uri : warehouse != null ? warehouse : "?";
    }

    private static void checkTableName(
            org.apache.flink.configuration.ConfigOption<String> option, String name) {
        int dot = name.lastIndexOf('.');
        if (dot <= 0 || dot == name.length() - 1) {
            throw new ConfigException(
                    "option '"
                            + option.key()
                            + "' is '"
                            + name
                            + "': expected namespace.table, e.g. analytics.scored_reviews");
        }
    }

    /** The fields of these settings, for the {@code withX} methods. */
    private static final class Copy extends SettingsCopy<SinkSettings, Copy> {
        CatalogType catalogType;
        String uri;
        String warehouse;
        Map<String, String> catalogProperties;
        String table;
        String errorsTable;
        List<String> partitionBy;
        Map<String, String> tableProperties;
        List<PassthroughField> passthrough;

        Copy(SinkSettings s) {
            catalogType = s.catalogType;
            uri = s.uri;
            warehouse = s.warehouse;
            catalogProperties = s.catalogProperties;
            table = s.table;
            errorsTable = s.errorsTable;
            partitionBy = s.partitionBy;
            tableProperties = s.tableProperties;
            passthrough = s.passthrough;
        }

        @Override
        SinkSettings settings() {
            return new SinkSettings(
                    catalogType,
                    uri,
                    warehouse,
                    catalogProperties,
                    table,
                    errorsTable,
                    partitionBy,
                    tableProperties,
                    passthrough);
        }
    }
}
