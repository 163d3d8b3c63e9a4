package dev.batchscore.pipeline.runs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;

/**
 * The run history table, {@code <table>_runs}: one row per run (per part of a run, when it was
 * stopped with a savepoint and resumed), written by the job's {@link RunMarker} when the run
 * completes or stops. Plain Iceberg, so Spark, Trino, DuckDB and Flink SQL read it; {@code
 * ./batchscore report} draws it. The columns are {@link #SCHEMA}'s; {@code docs/runs-table.md}
 * describes each.
 */
public final class RunHistory {
    /** The snapshot property that makes appending a run's row idempotent across retries. */
    public static final String ROW_KEY = "batchscore.run-row";

    public static final String COMPLETE = "complete";
    public static final String STOPPED = "stopped";

    static final Types.StructType OUTPUT =
            Types.StructType.of(
                    NestedField.required(101, "column", Types.StringType.get()),
                    NestedField.required(102, "count", Types.LongType.get()),
                    NestedField.optional(103, "mean", Types.DoubleType.get()),
                    NestedField.optional(104, "min", Types.DoubleType.get()),
                    NestedField.optional(105, "max", Types.DoubleType.get()),
                    NestedField.optional(106, "p1", Types.DoubleType.get()),
                    NestedField.optional(107, "p5", Types.DoubleType.get()),
                    NestedField.optional(108, "p25", Types.DoubleType.get()),
                    NestedField.optional(109, "p50", Types.DoubleType.get()),
                    NestedField.optional(110, "p75", Types.DoubleType.get()),
                    NestedField.optional(111, "p95", Types.DoubleType.get()),
                    NestedField.optional(112, "p99", Types.DoubleType.get()),
                    NestedField.optional(113, "psi", Types.DoubleType.get()),
                    NestedField.optional(114, "sketch", Types.BinaryType.get()));

    static final String[] QUANTILE_COLUMNS = {"p1", "p5", "p25", "p50", "p75", "p95", "p99"};

    /** The runs table's schema. */
    public static final Schema SCHEMA =
            new Schema(
                    NestedField.required(1, "pipeline_id", Types.StringType.get()),
                    NestedField.required(2, "run_id", Types.StringType.get()),
                    NestedField.required(3, "started_at", Types.TimestampType.withZone()),
                    NestedField.required(4, "finished_at", Types.TimestampType.withZone()),
                    NestedField.optional(5, "submitted", Types.StringType.get()),
                    NestedField.required(6, "ended", Types.StringType.get()),
                    NestedField.optional(7, "model", Types.StringType.get()),
                    NestedField.optional(8, "model_version", Types.StringType.get()),
                    NestedField.required(9, "records_read", Types.LongType.get()),
                    NestedField.required(10, "records_scored", Types.LongType.get()),
                    NestedField.required(11, "records_dead_lettered", Types.LongType.get()),
                    NestedField.optional(12, "records_skipped", Types.LongType.get()),
                    NestedField.optional(13, "start_offsets", Types.StringType.get()),
                    NestedField.optional(14, "end_offsets", Types.StringType.get()),
                    NestedField.optional(15, "oldest_record_at", Types.TimestampType.withZone()),
                    NestedField.optional(16, "newest_record_at", Types.TimestampType.withZone()),
                    NestedField.optional(17, "input_age_ms", Types.LongType.get()),
                    NestedField.optional(18, "lag_at_start_records", Types.LongType.get()),
                    NestedField.optional(19, "rows_per_second", Types.DoubleType.get()),
                    NestedField.optional(20, "outputs", Types.ListType.ofRequired(21, OUTPUT)),
                    NestedField.optional(
                            22,
                            "violations",
                            Types.ListType.ofRequired(23, Types.StringType.get())),
                    NestedField.optional(24, "on_violation", Types.StringType.get()),
                    NestedField.required(25, "quality_failed", Types.BooleanType.get()));

    private RunHistory() {}

    /** {@code <table>_runs}, in the scored table's namespace. */
    public static TableIdentifier tableFor(TableIdentifier scored) {
        return TableIdentifier.of(scored.namespace(), scored.name() + "_runs");
    }

    /** Loads the runs table, creating it with {@code properties} when missing. */
    public static Table ensure(
            Catalog catalog, TableIdentifier id, Map<String, String> properties) {
        if (catalog.tableExists(id)) {
            return catalog.loadTable(id);
        }
        try {
            return catalog.createTable(id, SCHEMA, PartitionSpec.unpartitioned(), properties);
        } catch (AlreadyExistsException e) {
            return catalog.loadTable(id);
        }
    }

    /** One output column's statistics in a row. */
    public record OutputStats(
            String column,
            long count,
            Double mean,
            Double min,
            Double max,
            double[] quantiles,
            Double psi,
            byte[] sketch) {

        static OutputStats of(String column, RunStats.Column c, Double psi) {
            return new OutputStats(
                    column,
                    c.count(),
                    nan(c.mean()),
                    nan(c.min()),
                    nan(c.max()),
                    c.quantiles(),
                    psi == null ? null : nan(psi),
                    c.sketchBytes());
        }

        /** The column's sketch, to compare a later run with. */
        public KllDoublesSketch kll() {
            return sketch == null ? null : KllDoublesSketch.heapify(Memory.wrap(sketch));
        }

        private static Double nan(double v) {
            return Double.isNaN(v) ? null : v;
        }
    }

    /** One row of the runs table. */
    public record Row(
            String pipelineId,
            String runId,
            Instant startedAt,
            Instant finishedAt,
            String submitted,
            String ended,
            String model,
            String modelVersion,
            long recordsRead,
            long recordsScored,
            long recordsDeadLettered,
            Long recordsSkipped,
            String startOffsets,
            String endOffsets,
            Instant oldestRecordAt,
            Instant newestRecordAt,
            Long inputAgeMs,
            Long lagAtStartRecords,
            Double rowsPerSecond,
            List<OutputStats> outputs,
            List<String> violations,
            String onViolation,
            boolean qualityFailed) {

        /** The key of this row's commit: the run and when this part of it started. */
        String key() {
            return pipelineId + "/" + runId + "/" + startedAt.toEpochMilli();
        }

        public Optional<OutputStats> output(String column) {
            return outputs.stream().filter(o -> o.column().equals(column)).findFirst();
        }

        /** The largest PSI over the outputs, or null when none was computed. */
        public Double maxPsi() {
            return outputs.stream()
                    .map(OutputStats::psi)
                    .filter(java.util.Objects::nonNull)
                    .max(Double::compare)
                    .orElse(null);
        }
    }

    /** Appends {@code row} unless a commit with its key is already in the table. */
    public static boolean append(Table table, Row row) {
        table.refresh();
        String key = row.key();
        for (Snapshot s : table.snapshots()) {
            if (key.equals(s.summary().get(ROW_KEY))) {
                return false;
            }
        }
        GenericAppenderFactory factory = new GenericAppenderFactory(table.schema(), table.spec());
        OutputFileFactory files =
                OutputFileFactory.builderFor(table, 1, System.currentTimeMillis())
                        .format(FileFormat.PARQUET)
                        .build();
        DataWriter<Record> writer =
                factory.newDataWriter(files.newOutputFile(), FileFormat.PARQUET, null);
        try (writer) {
            writer.write(toRecord(table.schema(), row));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DataFile file = writer.toDataFile();
        table.newAppend().appendFile(file).set(ROW_KEY, key).commit();
        return true;
    }

    /** Every row, oldest first. */
    public static List<Row> read(Table table) {
        return read(table, Expressions.alwaysTrue());
    }

    /** The rows of {@code pipelineId}, oldest first. */
    public static List<Row> read(Table table, String pipelineId) {
        return read(table, Expressions.equal("pipeline_id", pipelineId));
    }

    /**
     * The rows of one run of {@code pipelineId}, oldest first (a run stopped and resumed has one
     * per attempt). Each run adds a file of its own, so the files' bounds leave only the run's to
     * read, however long the history.
     */
    public static List<Row> readRun(Table table, String pipelineId, String runId) {
        return read(
                table,
                Expressions.and(
                        Expressions.equal("pipeline_id", pipelineId),
                        Expressions.equal("run_id", runId)));
    }

    /**
     * The last complete run of {@code pipelineId} other than {@code runId}: looked for among the
     * runs that finished in the last hour, then day, then month, then ever, so that a run's end
     * reads the files of its recent predecessors, not the pipeline's whole history.
     */
    public static Optional<Row> previousComplete(Table table, String pipelineId, String runId) {
        Expression others =
                Expressions.and(
                        Expressions.equal("pipeline_id", pipelineId),
                        Expressions.equal("ended", COMPLETE),
                        Expressions.notEqual("run_id", runId));
        Instant now = Instant.now();
        for (Duration window : PREVIOUS_RUN_WINDOWS) {
            long since = ChronoUnit.MICROS.between(Instant.EPOCH, now.minus(window));
            Optional<Row> last =
                    last(
                            read(
                                    table,
                                    Expressions.and(
                                            others,
                                            Expressions.greaterThanOrEqual("finished_at", since))));
            if (last.isPresent()) {
                return last;
            }
        }
        return last(read(table, others));
    }

    // previousComplete's windows before it reads the whole history.
    private static final List<Duration> PREVIOUS_RUN_WINDOWS =
            List.of(Duration.ofHours(1), Duration.ofDays(1), Duration.ofDays(31));

    private static Optional<Row> last(List<Row> rows) {
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(rows.size() - 1));
    }

    /**
     * The rows {@code filter} matches, oldest first: the scan prunes files by their bounds and
     * filters the rows of the files it reads.
     */
    private static List<Row> read(Table table, Expression filter) {
        table.refresh();
        List<Row> rows = new ArrayList<>();
        if (table.currentSnapshot() == null) {
            return rows;
        }
        try (CloseableIterable<Record> records =
                IcebergGenerics.read(table).where(filter).build()) {
            for (Record r : records) {
                rows.add(fromRecord(r));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        rows.sort(Comparator.comparing(Row::finishedAt));
        return rows;
    }

    static Record toRecord(Schema schema, Row row) {
        GenericRecord r = GenericRecord.create(schema);
        r.setField("pipeline_id", row.pipelineId());
        r.setField("run_id", row.runId());
        r.setField("started_at", time(row.startedAt()));
        r.setField("finished_at", time(row.finishedAt()));
        r.setField("submitted", row.submitted());
        r.setField("ended", row.ended());
        r.setField("model", row.model());
        r.setField("model_version", row.modelVersion());
        r.setField("records_read", row.recordsRead());
        r.setField("records_scored", row.recordsScored());
        r.setField("records_dead_lettered", row.recordsDeadLettered());
        r.setField("records_skipped", row.recordsSkipped());
        r.setField("start_offsets", row.startOffsets());
        r.setField("end_offsets", row.endOffsets());
        r.setField("oldest_record_at", time(row.oldestRecordAt()));
        r.setField("newest_record_at", time(row.newestRecordAt()));
        r.setField("input_age_ms", row.inputAgeMs());
        r.setField("lag_at_start_records", row.lagAtStartRecords());
        r.setField("rows_per_second", row.rowsPerSecond());
        List<Record> outputs = new ArrayList<>();
        for (OutputStats o : row.outputs()) {
            GenericRecord s = GenericRecord.create(OUTPUT);
            s.setField("column", o.column());
            s.setField("count", o.count());
            s.setField("mean", o.mean());
            s.setField("min", o.min());
            s.setField("max", o.max());
            for (int i = 0; i < QUANTILE_COLUMNS.length; i++) {
                double q = o.quantiles()[i];
                s.setField(QUANTILE_COLUMNS[i], Double.isNaN(q) ? null : q);
            }
            s.setField("psi", o.psi());
            s.setField("sketch", o.sketch() == null ? null : ByteBuffer.wrap(o.sketch()));
            outputs.add(s);
        }
        r.setField("outputs", outputs);
        r.setField("violations", List.copyOf(row.violations()));
        r.setField("on_violation", row.onViolation());
        r.setField("quality_failed", row.qualityFailed());
        return r;
    }

    @SuppressWarnings("unchecked")
    static Row fromRecord(Record r) {
        List<OutputStats> outputs = new ArrayList<>();
        List<Record> stored = (List<Record>) r.getField("outputs");
        if (stored != null) {
            for (Record s : stored) {
                double[] q = new double[QUANTILE_COLUMNS.length];
                for (int i = 0; i < q.length; i++) {
                    Double v = (Double) s.getField(QUANTILE_COLUMNS[i]);
                    q[i] = v == null ? Double.NaN : v;
                }
                ByteBuffer sketch = (ByteBuffer) s.getField("sketch");
                byte[] bytes = null;
                if (sketch != null) {
                    bytes = new byte[sketch.remaining()];
                    sketch.duplicate().get(bytes);
                }
                outputs.add(
                        new OutputStats(
                                (String) s.getField("column"),
                                (Long) s.getField("count"),
                                (Double) s.getField("mean"),
                                (Double) s.getField("min"),
                                (Double) s.getField("max"),
                                q,
                                (Double) s.getField("psi"),
                                bytes));
            }
        }
        List<String> violations = (List<String>) r.getField("violations");
        return new Row(
                (String) r.getField("pipeline_id"),
                (String) r.getField("run_id"),
                instant(r.getField("started_at")),
                instant(r.getField("finished_at")),
                (String) r.getField("submitted"),
                (String) r.getField("ended"),
                (String) r.getField("model"),
                (String) r.getField("model_version"),
                (Long) r.getField("records_read"),
                (Long) r.getField("records_scored"),
                (Long) r.getField("records_dead_lettered"),
                (Long) r.getField("records_skipped"),
                (String) r.getField("start_offsets"),
                (String) r.getField("end_offsets"),
                instant(r.getField("oldest_record_at")),
                instant(r.getField("newest_record_at")),
                (Long) r.getField("input_age_ms"),
                (Long) r.getField("lag_at_start_records"),
                (Double) r.getField("rows_per_second"),
                outputs,
                violations == null ? List.of() : List.copyOf(violations),
                (String) r.getField("on_violation"),
                Boolean.TRUE.equals(r.getField("quality_failed")));
    }

    private static OffsetDateTime time(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(Object v) {
        return v == null ? null : ((OffsetDateTime) v).toInstant();
    }
}
