package dev.batchscore.pipeline.iceberg;

import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.SinkSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Iceberg side of a job: the catalog from the {@code sink.iceberg.*} options, and the scored
 * and errors tables, created from the operators' row types when missing and checked for
 * compatibility when present, all before the first record is read.
 */
public final class IcebergTables {
    private static final Logger LOG = LoggerFactory.getLogger(IcebergTables.class);
    private static final String CATALOG_NAME = "batchscore";
    private static final Pattern TRANSFORM =
            Pattern.compile("(\\w+)\\s*\\(\\s*(?:(\\d+)\\s*,\\s*)?([\\w.]+)\\s*\\)");

    private IcebergTables() {}

    /** A serializable catalog loader (it travels to the sink's committer). */
    public static CatalogLoader catalogLoader(SinkSettings sink) {
        Map<String, String> props = new HashMap<>(sink.catalogProperties());
        if (sink.warehouse() != null) {
            props.put(CatalogProperties.WAREHOUSE_LOCATION, sink.warehouse());
        }
        if (sink.uri() != null) {
            props.put(CatalogProperties.URI, sink.uri());
        }
        org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
        return switch (sink.catalogType()) {
            case HADOOP -> CatalogLoader.hadoop(CATALOG_NAME, hadoop, props);
            case REST -> CatalogLoader.rest(CATALOG_NAME, hadoop, props);
            case HIVE -> CatalogLoader.hive(CATALOG_NAME, hadoop, props);
            case JDBC ->
                    CatalogLoader.custom(
                            CATALOG_NAME, props, hadoop, "org.apache.iceberg.jdbc.JdbcCatalog");
        };
    }

    public static TableIdentifier identifier(String name) {
        return TableIdentifier.parse(name);
    }

    /** The table if it exists. */
    public static Optional<Table> load(Catalog catalog, TableIdentifier id) {
        return catalog.tableExists(id) ? Optional.of(catalog.loadTable(id)) : Optional.empty();
    }

    /** The Iceberg schema the job writes for a Flink row type (NOT NULL columns are required). */
    public static Schema schemaOf(RowType rowType) {
        return FlinkSchemaUtil.convert(FlinkSchemaUtil.toResolvedSchema(rowType));
    }

    /**
     * Loads {@code id} and checks it can take rows of {@code rowType}, or creates it with {@code
     * partitionBy} and {@code properties}.
     */
    public static Table ensureTable(
            Catalog catalog,
            TableIdentifier id,
            RowType rowType,
            List<String> partitionBy,
            Map<String, String> properties) {
        Schema schema = schemaOf(rowType);
        Optional<Table> existing = load(catalog, id);
        if (existing.isPresent()) {
            checkCompatible(existing.get(), schema, id.toString());
            return existing.get();
        }
        if (catalog instanceof SupportsNamespaces namespaces
                && !id.namespace().isEmpty()
                && !namespaces.namespaceExists(id.namespace())) {
            try {
                namespaces.createNamespace(id.namespace());
            } catch (AlreadyExistsException e) {
                // another job created it meanwhile
            }
        }
        PartitionSpec spec = partitionSpec(schema, partitionBy);
        try {
            Table table = catalog.createTable(id, schema, spec, properties);
            LOG.info("Created Iceberg table {} partitioned by {}", id, spec);
            return table;
        } catch (AlreadyExistsException e) {
            Table table = catalog.loadTable(id);
            checkCompatible(table, schema, id.toString());
            return table;
        }
    }

    /** Parses {@code sink.iceberg.partition-by} entries against the schema. */
    public static PartitionSpec partitionSpec(Schema schema, List<String> partitionBy) {
        if (partitionBy == null || partitionBy.isEmpty()) {
            return PartitionSpec.unpartitioned();
        }
        PartitionSpec.Builder builder = PartitionSpec.builderFor(schema);
        for (String entry : partitionBy) {
            String text = entry.trim();
            Matcher m = TRANSFORM.matcher(text);
            String column;
            String transform;
            Integer arg = null;
            if (m.matches()) {
                transform = m.group(1).toLowerCase(Locale.ROOT);
                arg = m.group(2) == null ? null : Integer.parseInt(m.group(2));
                column = m.group(3);
            } else if (text.matches("[\\w.]+")) {
                transform = "identity";
                column = text;
            } else {
                throw partitionError(text, "expected a column or transform(column)");
            }
            if (schema.findField(column) == null) {
                throw partitionError(text, "the table has no column '" + column + "'");
            }
            try {
                switch (transform) {
                    case "identity" -> builder.identity(column);
                    case "year", "years" -> builder.year(column);
                    case "month", "months" -> builder.month(column);
                    case "day", "days" -> builder.day(column);
                    case "hour", "hours" -> builder.hour(column);
                    case "bucket" -> builder.bucket(column, requireArg(text, arg));
                    case "truncate" -> builder.truncate(column, requireArg(text, arg));
                    default ->
                            throw partitionError(
                                    text,
                                    "unknown transform '"
                                            + transform
                                            + "'; use year, month, day, hour, bucket(N, c) or"
                                            + " truncate(W, c)");
                }
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                if (e instanceof ConfigException ce) {
                    throw ce;
                }
                throw partitionError(text, e.getMessage());
            }
        }
        return builder.build();
    }

    private static int requireArg(String text, Integer arg) {
        if (arg == null) {
            throw partitionError(text, "needs a number first, e.g. bucket(16, id)");
        }
        return arg;
    }

    private static ConfigException partitionError(String entry, String why) {
        return new ConfigException("sink.iceberg.partition-by entry '" + entry + "': " + why);
    }

    /**
     * Fails with one message listing every column of {@code written} the table cannot take:
     * missing, of another type, required in the table but nullable here, or out of order (the
     * Iceberg sink writes columns in table order), plus required table columns the job does not
     * write.
     */
    public static void checkCompatible(Table table, Schema written, String name) {
        Schema tableSchema = table.schema();
        List<String> problems = new ArrayList<>();
        int lastPosition = -1;
        boolean ordered = true;
        for (Types.NestedField field : written.columns()) {
            Types.NestedField existing = tableSchema.findField(field.name());
            if (existing == null) {
                problems.add("column '" + field.name() + "' (" + field.type() + ") is missing");
                continue;
            }
            if (!existing.type().toString().equals(field.type().toString())) {
                problems.add(
                        "column '"
                                + field.name()
                                + "' is "
                                + existing.type()
                                + " but the job writes "
                                + field.type());
            } else if (existing.isRequired() && field.isOptional()) {
                problems.add(
                        "column '" + field.name() + "' is required but the job may write null");
            }
            int position = tableSchema.columns().indexOf(existing);
            if (position < lastPosition) {
                ordered = false;
            }
            lastPosition = Math.max(lastPosition, position);
        }
        for (Types.NestedField existing : tableSchema.columns()) {
            if (existing.isRequired() && written.findField(existing.name()) == null) {
                problems.add("required column '" + existing.name() + "' is not written by the job");
            }
        }
        if (problems.isEmpty() && !ordered) {
            problems.add(
                    "its columns are in another order than the job writes them: "
                            + written.columns());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(
                    "existing Iceberg table "
                            + name
                            + " does not fit the job's output: "
                            + String.join("; ", problems)
                            + ". Write to a new table (sink.iceberg.table), evolve this one, or set"
                            + " output.passthrough to match its columns.");
        }
    }

    /** The current snapshot id, or -1 for an empty table. */
    public static long currentSnapshotId(Table table) {
        Snapshot s = table.currentSnapshot();
        return s == null ? -1 : s.snapshotId();
    }

    /** Rows added by the snapshots committed after {@code sinceSnapshotId} (-1: since creation). */
    public static long rowsAddedSince(Table table, long sinceSnapshotId) {
        table.refresh();
        long rows = 0;
        Snapshot s = table.currentSnapshot();
        while (s != null && s.snapshotId() != sinceSnapshotId) {
            String added = s.summary().get("added-records");
            if (added != null) {
                rows += Long.parseLong(added);
            }
            s = s.parentId() == null ? null : table.snapshot(s.parentId());
        }
        return rows;
    }
}
