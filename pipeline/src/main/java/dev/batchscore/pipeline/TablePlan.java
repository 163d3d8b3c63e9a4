package dev.batchscore.pipeline;

import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.SinkSettings;
import dev.batchscore.pipeline.iceberg.IcebergTables;
import dev.batchscore.pipeline.runs.RunHistory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.types.Types;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 3 of {@link JobPlan#check}: the scored and errors tables. {@link #load} finds what exists,
 * {@link #check} checks existing tables against the row types the job writes (and the partition
 * spec of tables still to be created), and only {@link #ensure} creates anything.
 *
 * <p>The compatibility check is batchscore's own ({@link IcebergTables#checkCompatible}) rather
 * than Iceberg's {@code TypeUtil.validateWriteSchema}: it reads the same way but names each column
 * in one line, which is what the error messages promise; the columns are flat primitives, so it
 * misses nothing Iceberg's would find.
 *
 * @param scoredRowType null until {@link #check}
 * @param errorRowType null until {@link #check}
 */
record TablePlan(
        SinkSettings sink,
        TableIdentifier table,
        TableIdentifier errorsTable,
        Optional<Table> existing,
        Optional<Table> existingErrors,
        RowType scoredRowType,
        RowType errorRowType) {

    private static final Logger LOG = LoggerFactory.getLogger(TablePlan.class);

    private static final Set<String> METADATA_COLUMNS =
            Set.of(
                    ScoredRows.SOURCE_TOPIC,
                    ScoredRows.SOURCE_PARTITION,
                    ScoredRows.SOURCE_OFFSET,
                    ScoredRows.SOURCE_TIMESTAMP,
                    ScoredRows.MODEL,
                    ScoredRows.MODEL_VERSION,
                    ScoredRows.SCORED_AT,
                    ScoredRows.PIPELINE_ID,
                    ScoredRows.RUN_ID);

    /** The two tables of {@code sink} as they are in {@code catalog} now. */
    static TablePlan load(Catalog catalog, SinkSettings sink) {
        TableIdentifier tableId = IcebergTables.identifier(sink.table());
        TableIdentifier errorsId = IcebergTables.identifier(sink.errorsTable());
        return new TablePlan(
                sink,
                tableId,
                errorsId,
                IcebergTables.load(catalog, tableId),
                IcebergTables.load(catalog, errorsId),
                null,
                null);
    }

    /**
     * Checks both tables for {@code scored} rows and the fixed error rows: an existing table must
     * fit them, the partition spec of a missing one must parse. Creates nothing.
     */
    TablePlan check(RowType scored) {
        RowType errors = ScoredRows.errorRowType();
        if (existing.isPresent()) {
            IcebergTables.checkCompatible(
                    existing.get(), IcebergTables.schemaOf(scored), table.toString());
        } else {
            IcebergTables.partitionSpec(IcebergTables.schemaOf(scored), sink.partitionBy());
        }
        if (existingErrors.isPresent()) {
            IcebergTables.checkCompatible(
                    existingErrors.get(), IcebergTables.schemaOf(errors), errorsTable.toString());
        } else {
            IcebergTables.partitionSpec(IcebergTables.schemaOf(errors), errorPartitions());
        }
        return new TablePlan(sink, table, errorsTable, existing, existingErrors, scored, errors);
    }

    /** Creates the tables that are missing; returns the plan with both tables present. */
    TablePlan ensure(Catalog catalog) {
        if (scoredRowType == null) {
            throw new IllegalStateException("check() the tables before creating them");
        }
        Map<String, String> props = sink.tableProperties();
        Table scored =
                IcebergTables.ensureTable(catalog, table, scoredRowType, sink.partitionBy(), props);
        Table errors =
                IcebergTables.ensureTable(
                        catalog, errorsTable, errorRowType, errorPartitions(), props);
        // The run history, <table>_runs: the job appends one row per run (RunMarker).
        RunHistory.ensure(catalog, RunHistory.tableFor(table), props);
        return new TablePlan(
                sink,
                table,
                errorsTable,
                Optional.of(scored),
                Optional.of(errors),
                scoredRowType,
                errorRowType);
    }

    /** The errors table has its own fixed columns: it is partitioned only by those it has. */
    List<String> errorPartitions() {
        List<String> out = new ArrayList<>();
        for (String p : sink.partitionBy()) {
            if (p.contains(ScoredRows.SOURCE_TIMESTAMP) || p.contains(ScoredRows.SOURCE_TOPIC)) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * {@code output.passthrough} if set; else the existing table's columns that are neither model
     * outputs nor metadata; else the top-level fields of the records (by the format's schema, or
     * sampled from the topic), minus model inputs. Each with the column type the format gives it.
     */
    static List<PassthroughField> passthrough(
            SinkSettings sink,
            RecordFormat format,
            Optional<Table> existing,
            List<byte[]> samples,
            Set<String> inputFields,
            Set<String> outputs) {
        List<PassthroughField> fields = new ArrayList<>();
        boolean explicit = sink.passthroughFields().isPresent();
        if (explicit) {
            fields.addAll(sink.passthrough());
        } else if (existing.isPresent()) {
            for (Types.NestedField column : existing.get().schema().columns()) {
                if (outputs.contains(column.name()) || METADATA_COLUMNS.contains(column.name())) {
                    continue;
                }
                fields.add(
                        new PassthroughField(
                                column.name(), FlinkSchemaUtil.convert(column.type())));
            }
        } else {
            fields.addAll(format.inferPassthrough(samples, inputFields));
        }
        List<PassthroughField> kept = new ArrayList<>();
        for (PassthroughField f : fields) {
            if (outputs.contains(f.name()) || METADATA_COLUMNS.contains(f.name())) {
                if (explicit) {
                    throw new ConfigException(
                            "output.passthrough field '"
                                    + f.name()
                                    + "' clashes with a model output or metadata column of that"
                                    + " name: remove it from output.passthrough");
                }
                LOG.warn("Not passing through field '{}': a column of that name exists", f.name());
                continue;
            }
            kept.add(f);
        }
        try {
            return format.resolvePassthrough(kept);
        } catch (FormatException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }
}
