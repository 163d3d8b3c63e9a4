package dev.batchscore.operators;

import dev.batchscore.models.DType;
import dev.batchscore.models.TensorSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.RowType.RowField;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * The row types batchscore writes: scored rows and dead-letter (error) rows.
 *
 * <p>Scored row columns, in order: the passthrough fields, one column per model output (named by
 * the output key), then the NOT NULL metadata columns {@code _source_topic STRING,
 * _source_partition INT, _source_offset BIGINT, _source_timestamp TIMESTAMP_LTZ(3), _model STRING,
 * _model_version STRING, _scored_at TIMESTAMP_LTZ(6), _pipeline_id STRING, _run_id STRING}.
 *
 * <p>A spec with several models ({@link ScoringSpec#models}) writes, after the passthrough fields,
 * each model's outputs as {@code <name>_<output>} (models in name order), then the ensemble column
 * if any; its metadata has {@code <name>_model_version} per model in place of {@code
 * _model_version}, and {@code _model} holds the models' names joined by commas.
 *
 * <p>Output column types follow the tensor dtype (FLOAT, DOUBLE, INT32 to INT, INT64 to BIGINT,
 * BOOL to BOOLEAN, STRING); a per-row scalar or {@code [1]} is a scalar column, any other per-row
 * shape is an {@code ARRAY} of the element type holding the row-major flattened values.
 */
public final class ScoredRows {
    public static final String SOURCE_TOPIC = "_source_topic";
    public static final String SOURCE_PARTITION = "_source_partition";
    public static final String SOURCE_OFFSET = "_source_offset";
    public static final String SOURCE_TIMESTAMP = "_source_timestamp";
    public static final String MODEL = "_model";
    public static final String MODEL_VERSION = "_model_version";
    public static final String SCORED_AT = "_scored_at";

    /** The {@code pipeline.id} that wrote the row: runs and positions are kept per pipeline. */
    public static final String PIPELINE_ID = "_pipeline_id";

    /** The run that wrote the row (see the scored table's snapshot summaries for its lineage). */
    public static final String RUN_ID = "_run_id";

    public static final String RAW_VALUE = "raw_value";
    public static final String STAGE = "stage";
    public static final String ERROR_MESSAGE = "error_message";
    public static final String FAILED_AT = "_failed_at";

    /** The number of metadata columns at the end of a scored row. */
    public static final int METADATA_COLUMNS = 9;

    private ScoredRows() {}

    /**
     * The scored row type for {@code spec}. Throws {@link IllegalArgumentException} naming the
     * column when two columns would share a name or an output cannot be stored.
     */
    public static RowType scoredRowType(ScoringSpec spec) {
        List<RowField> fields = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (PassthroughField p : spec.passthrough()) {
            addUnique(fields, names, new RowField(p.name(), p.columnType()), "passthrough field");
        }
        if (spec.multiModel()) {
            for (NamedModel m : spec.models()) {
                for (TensorSpec out : m.spec().outputs()) {
                    addUnique(
                            fields,
                            names,
                            new RowField(m.column(out.key()), outputType(out)),
                            "output of model '" + m.name() + "'");
                }
            }
            if (spec.ensemble() != null) {
                TensorSpec combined = spec.ensemble().check(spec.models());
                addUnique(
                        fields,
                        names,
                        new RowField(
                                spec.ensemble().column(), spec.ensemble().columnType(combined)),
                        "ensemble.output");
            }
        } else {
            for (TensorSpec out : spec.outputs()) {
                addUnique(fields, names, new RowField(out.key(), outputType(out)), "model output");
            }
        }
        addUnique(
                fields,
                names,
                new RowField(SOURCE_TOPIC, new VarCharType(false, VarCharType.MAX_LENGTH)),
                "metadata");
        addUnique(fields, names, new RowField(SOURCE_PARTITION, new IntType(false)), "metadata");
        addUnique(fields, names, new RowField(SOURCE_OFFSET, new BigIntType(false)), "metadata");
        addUnique(
                fields,
                names,
                new RowField(SOURCE_TIMESTAMP, new LocalZonedTimestampType(false, 3)),
                "metadata");
        addUnique(
                fields,
                names,
                new RowField(MODEL, new VarCharType(false, VarCharType.MAX_LENGTH)),
                "metadata");
        if (spec.multiModel()) {
            // One version column per model rather than a map: see versionColumns().
            for (NamedModel m : spec.models()) {
                addUnique(
                        fields,
                        names,
                        new RowField(
                                m.versionColumn(), new VarCharType(false, VarCharType.MAX_LENGTH)),
                        "metadata");
            }
        } else {
            addUnique(
                    fields,
                    names,
                    new RowField(MODEL_VERSION, new VarCharType(false, VarCharType.MAX_LENGTH)),
                    "metadata");
        }
        addUnique(
                fields,
                names,
                new RowField(SCORED_AT, new LocalZonedTimestampType(false, 6)),
                "metadata");
        addUnique(
                fields,
                names,
                new RowField(PIPELINE_ID, new VarCharType(false, VarCharType.MAX_LENGTH)),
                "metadata");
        addUnique(
                fields,
                names,
                new RowField(RUN_ID, new VarCharType(false, VarCharType.MAX_LENGTH)),
                "metadata");
        return new RowType(false, fields);
    }

    /**
     * The columns a multi-model spec writes from its models: each model's prefixed outputs, the
     * ensemble column and each model's {@code <name>_model_version}; empty for a one-model spec.
     *
     * <p>Why a version column per model and not one {@code MAP<STRING, STRING>}: the set of models
     * is fixed when the run is planned, like their outputs, so the columns are too; a plain column
     * is queried the same way in Spark, Trino, DuckDB and Flink ({@code WHERE
     * challenger_model_version = '4'}) where map access differs per engine; Iceberg keeps min/max
     * statistics for it, so such a filter prunes data files; and it sits beside the model's other
     * prefixed columns.
     */
    public static List<String> multiModelColumns(ScoringSpec spec) {
        List<String> out = new ArrayList<>();
        for (NamedModel m : spec.models()) {
            for (TensorSpec t : m.spec().outputs()) {
                out.add(m.column(t.key()));
            }
            out.add(m.versionColumn());
        }
        if (spec.ensemble() != null) {
            out.add(spec.ensemble().column());
        }
        return out;
    }

    /**
     * The dead-letter row type: {@code _source_topic STRING, _source_partition INT, _source_offset
     * BIGINT, _source_timestamp TIMESTAMP_LTZ(3), raw_value BYTES, stage STRING, error_message
     * STRING, _model STRING, _model_version STRING, _failed_at TIMESTAMP_LTZ(6), _pipeline_id
     * STRING, _run_id STRING}; only {@code raw_value} is nullable (a Kafka tombstone has no value).
     */
    public static RowType errorRowType() {
        return RowType.of(
                false,
                new LogicalType[] {
                    new VarCharType(false, VarCharType.MAX_LENGTH),
                    new IntType(false),
                    new BigIntType(false),
                    new LocalZonedTimestampType(false, 3),
                    new VarBinaryType(true, VarBinaryType.MAX_LENGTH),
                    new VarCharType(false, VarCharType.MAX_LENGTH),
                    new VarCharType(false, VarCharType.MAX_LENGTH),
                    new VarCharType(false, VarCharType.MAX_LENGTH),
                    new VarCharType(false, VarCharType.MAX_LENGTH),
                    new LocalZonedTimestampType(false, 6),
                    new VarCharType(false, VarCharType.MAX_LENGTH),
                    new VarCharType(false, VarCharType.MAX_LENGTH)
                },
                new String[] {
                    SOURCE_TOPIC,
                    SOURCE_PARTITION,
                    SOURCE_OFFSET,
                    SOURCE_TIMESTAMP,
                    RAW_VALUE,
                    STAGE,
                    ERROR_MESSAGE,
                    MODEL,
                    MODEL_VERSION,
                    FAILED_AT,
                    PIPELINE_ID,
                    RUN_ID
                });
    }

    /** Whether an output is stored as a scalar column (per-row shape {@code []} or {@code [1]}). */
    public static boolean isScalar(TensorSpec output) {
        List<Long> row = output.rowShape();
        return row.isEmpty() || (row.size() == 1 && row.get(0) == 1L);
    }

    /** The column type of one model output. */
    public static LogicalType outputType(TensorSpec output) {
        if (output.shape() == null) {
            throw new IllegalArgumentException(
                    "model output '"
                            + output.key()
                            + "' has unknown rank ("
                            + output.describeType()
                            + "); its column type cannot be fixed before the job runs. "
                            + "Export the model with a known output shape");
        }
        LogicalType element = elementType(output);
        if (isScalar(output)) {
            return element.copy(true);
        }
        return new ArrayType(true, element.copy(false));
    }

    static LogicalType elementType(TensorSpec output) {
        DType dtype = output.dtype();
        switch (dtype) {
            case FLOAT:
                return new FloatType();
            case DOUBLE:
                return new DoubleType();
            case INT32:
                return new IntType();
            case INT64:
                return new BigIntType();
            case BOOL:
                return new BooleanType();
            case STRING:
                return new VarCharType(VarCharType.MAX_LENGTH);
            default:
                throw new IllegalArgumentException(
                        "model output '"
                                + output.key()
                                + "' is "
                                + output.describeType()
                                + ", which batchscore cannot store; supported dtypes are "
                                + "DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, DT_BOOL, DT_STRING");
        }
    }

    private static void addUnique(
            List<RowField> fields, Set<String> names, RowField field, String what) {
        if (!names.add(field.getName())) {
            throw new IllegalArgumentException(
                    "column '"
                            + field.getName()
                            + "' ("
                            + what
                            + ") appears twice in the scored row; rename the passthrough field "
                            + "or the model output so every column name is unique");
        }
        fields.add(field);
    }
}
