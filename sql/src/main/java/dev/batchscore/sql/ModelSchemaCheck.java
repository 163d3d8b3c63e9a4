package dev.batchscore.sql;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.ModelException;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * Checks a {@code CREATE MODEL}'s INPUT and OUTPUT against the SavedModel's signature when a query
 * using it is planned, and returns the {@link ModelBinding} the tasks score with. Every refusal is
 * one line naming the column, the tensor and the fix.
 *
 * <p>INPUT columns feed the signature's record fields (a plain signature's inputs, or the features
 * of a {@code tf.Example} signature): column {@code c} feeds field {@code c}, or the field {@code
 * f} of an {@code 'input.f' = 'c'} option. OUTPUT columns are signature outputs by name, plus the
 * {@code error-column} if set.
 */
final class ModelSchemaCheck {
    private ModelSchemaCheck() {}

    record Settings(
            String path,
            ScoringSettings scoring,
            Map<String, String> inputMapping,
            String errorColumn) {}

    static ModelBinding bind(
            String model, ResolvedSchema input, ResolvedSchema output, Settings settings) {
        String m = "model '" + model + "'";
        ScoringSettings scoring = settings.scoring();
        if (scoring.batchSize() < 1) {
            throw new ModelException(
                    m + ": 'batch.size' is " + scoring.batchSize() + ": set a positive number");
        }
        if (scoring.maxDelay().isNegative() || scoring.maxDelay().isZero()) {
            throw new ModelException(
                    m
                            + ": 'batch.max-delay' is "
                            + scoring.maxDelay()
                            + ": set a positive duration");
        }
        String pinned = ModelPaths.pin(settings.path());
        Path path = ModelPaths.local(pinned);
        ModelOptions options =
                ModelOptions.defaults()
                        .withTags(scoring.tags())
                        .withThreads(scoring.intraOpThreads(), scoring.interOpThreads());
        try (SavedModel saved = ModelRegistry.acquire(path, options)) {
            BatchScorer scorer = saved.scorer(scoring.signature());
            String sig = "signature '" + scoring.signature() + "'";
            Map<String, TensorSpec> inputTensors = new HashMap<>();
            for (TensorSpec t : scorer.signature().inputs()) {
                inputTensors.put(t.key(), t);
            }
            Map<String, FieldSpec> fields = new HashMap<>();
            for (FieldSpec f : scorer.fields()) {
                fields.put(f.name(), f);
            }
            String inputList =
                    scorer.fields().stream()
                            .map(f -> f.name() + " " + sqlType(f.dtype(), rank(f.rowShape())))
                            .collect(Collectors.joining(", "));

            // INPUT: which field each column feeds.
            Map<String, String> columnToField = new HashMap<>();
            for (Map.Entry<String, String> e : settings.inputMapping().entrySet()) {
                if (!fields.containsKey(e.getKey())) {
                    throw new ModelException(
                            m
                                    + ": 'input."
                                    + e.getKey()
                                    + "' names no input of "
                                    + sig
                                    + " (inputs: "
                                    + inputList
                                    + "): use one of them after 'input.'");
                }
                if (input.getColumn(e.getValue()).isEmpty()) {
                    throw new ModelException(
                            m
                                    + ": 'input."
                                    + e.getKey()
                                    + "' = '"
                                    + e.getValue()
                                    + "' names no INPUT column (columns: "
                                    + String.join(", ", input.getColumnNames())
                                    + "): map it to one of them");
                }
                columnToField.put(e.getValue(), e.getKey());
            }
            List<String> inputFields = new ArrayList<>();
            List<LogicalType> inputTypes = new ArrayList<>();
            Set<String> fed = new LinkedHashSet<>();
            for (Column c : input.getColumns()) {
                String field = columnToField.getOrDefault(c.getName(), c.getName());
                FieldSpec spec = fields.get(field);
                if (spec == null
                        || (!columnToField.containsKey(c.getName())
                                && settings.inputMapping().containsKey(field))) {
                    throw new ModelException(
                            m
                                    + ": INPUT column '"
                                    + c.getName()
                                    + "' feeds no input of "
                                    + sig
                                    + " (inputs: "
                                    + inputList
                                    + "): rename it to an input, or map it with 'input.<input>' = '"
                                    + c.getName()
                                    + "'");
                }
                LogicalType type = c.getDataType().getLogicalType();
                int rank = rank(spec.rowShape());
                if (!accepts(spec.dtype(), rank, type, true)) {
                    throw new ModelException(
                            m
                                    + ": INPUT column '"
                                    + c.getName()
                                    + "' is "
                                    + type.asSummaryString()
                                    + ", but "
                                    + describe(sig, spec.name(), inputTensors.get(spec.name()))
                                    + ": declare it as "
                                    + c.getName()
                                    + " "
                                    + sqlType(spec.dtype(), rank));
                }
                fed.add(field);
                inputFields.add(field);
                inputTypes.add(type);
            }
            for (FieldSpec f : scorer.fields()) {
                if (!fed.contains(f.name())) {
                    throw new ModelException(
                            m
                                    + ": "
                                    + describe(sig, f.name(), inputTensors.get(f.name()))
                                    + " and no INPUT column feeds it: add "
                                    + f.name()
                                    + " "
                                    + sqlType(f.dtype(), rank(f.rowShape()))
                                    + " to INPUT, or map a column with 'input."
                                    + f.name()
                                    + "' = '<column>'");
                }
            }

            // OUTPUT: signature outputs by name, and the error column.
            Map<String, TensorSpec> outputs = new HashMap<>();
            for (TensorSpec t : scorer.signature().outputs()) {
                outputs.put(t.key(), t);
            }
            String outputList =
                    scorer.signature().outputs().stream()
                            .map(t -> t.key() + " " + sqlType(t.dtype(), outputRank(t)))
                            .collect(Collectors.joining(", "));
            List<String> outputKeys = new ArrayList<>();
            List<LogicalType> outputTypes = new ArrayList<>();
            int errorIndex = -1;
            String errorColumn = settings.errorColumn();
            for (Column c : output.getColumns()) {
                LogicalType type = c.getDataType().getLogicalType();
                if (c.getName().equals(errorColumn)) {
                    if (!isString(type)) {
                        throw new ModelException(
                                m
                                        + ": OUTPUT column '"
                                        + c.getName()
                                        + "' is the 'error-column' but is "
                                        + type.asSummaryString()
                                        + ": declare it as "
                                        + c.getName()
                                        + " STRING");
                    }
                    errorIndex = outputKeys.size();
                    outputKeys.add(null);
                    outputTypes.add(type);
                    continue;
                }
                TensorSpec t = outputs.get(c.getName());
                if (t == null) {
                    throw new ModelException(
                            m
                                    + ": OUTPUT column '"
                                    + c.getName()
                                    + "' is no output of "
                                    + sig
                                    + " (outputs: "
                                    + outputList
                                    + "): rename it to one of them"
                                    + (errorColumn == null
                                            ? ", or set 'error-column' = '" + c.getName() + "'"
                                            : ""));
                }
                int rank = outputRank(t);
                if (!accepts(t.dtype(), rank, type, false)) {
                    throw new ModelException(
                            m
                                    + ": OUTPUT column '"
                                    + c.getName()
                                    + "' is "
                                    + type.asSummaryString()
                                    + ", but "
                                    + sig
                                    + " output '"
                                    + t.key()
                                    + "' (tensor "
                                    + t.tensorName()
                                    + ") is "
                                    + t.describeType()
                                    + ": declare it as "
                                    + c.getName()
                                    + " "
                                    + sqlType(t.dtype(), rank));
                }
                outputKeys.add(t.key());
                outputTypes.add(type);
            }
            if (errorColumn != null && errorIndex < 0) {
                throw new ModelException(
                        m
                                + ": 'error-column' is '"
                                + errorColumn
                                + "', which is no OUTPUT column: add "
                                + errorColumn
                                + " STRING to OUTPUT");
            }
            return new ModelBinding(
                    model,
                    // a remote model: every task copies the pinned version itself
                    ModelPaths.isLocal(pinned) ? saved.exportDir().toString() : pinned,
                    settings.scoring(),
                    List.copyOf(inputFields),
                    List.copyOf(inputTypes),
                    java.util.Collections.unmodifiableList(new ArrayList<>(outputKeys)),
                    List.copyOf(outputTypes),
                    errorIndex);
        }
    }

    /** {@code signature 'serving_default' input 'x' (tensor x:0) is DT_FLOAT [-1,1]}. */
    private static String describe(String sig, String field, TensorSpec tensor) {
        if (tensor == null) {
            return sig + " reads the tf.Example feature '" + field + "'";
        }
        return sig
                + " input '"
                + field
                + "' (tensor "
                + tensor.tensorName()
                + ") is "
                + tensor.describeType();
    }

    /**
     * Dimensions a row's value has: a row shape of all ones takes a single value (as the models
     * module reads records), so it is a scalar.
     */
    static int rank(List<Long> rowShape) {
        return rowShape.stream().allMatch(d -> d == 1) ? 0 : rowShape.size();
    }

    /**
     * Outputs come back flattened: a row shape of [] or [1] is one value, anything else one array;
     * an output of unknown rank may be either.
     */
    static int outputRank(TensorSpec t) {
        if (t.shape() == null) {
            return -1;
        }
        List<Long> row = t.rowShape();
        return row.isEmpty() || row.equals(List.of(1L)) ? 0 : 1;
    }

    private static boolean accepts(DType dtype, int rank, LogicalType type, boolean input) {
        if (rank < 0) {
            // unknown rank: a scalar or an array of the element type
            return accepts(dtype, 0, type, input) || accepts(dtype, 1, type, input);
        }
        LogicalType element = type;
        for (int i = 0; i < rank; i++) {
            if (!(element instanceof ArrayType array)) {
                return false;
            }
            element = array.getElementType();
        }
        if (element instanceof ArrayType) {
            return false;
        }
        LogicalTypeRoot root = element.getTypeRoot();
        return switch (dtype) {
            case FLOAT, DOUBLE ->
                    input
                            ? isNumeric(root)
                            : root == LogicalTypeRoot.DOUBLE
                                    || (dtype == DType.FLOAT && root == LogicalTypeRoot.FLOAT);
            case INT32 ->
                    input
                            ? isInteger(root)
                            : root == LogicalTypeRoot.INTEGER || root == LogicalTypeRoot.BIGINT;
            case INT64 -> input ? isInteger(root) : root == LogicalTypeRoot.BIGINT;
            case BOOL -> root == LogicalTypeRoot.BOOLEAN;
            case STRING -> isString(element);
            case UNSUPPORTED -> false;
        };
    }

    private static boolean isNumeric(LogicalTypeRoot root) {
        return isInteger(root) || root == LogicalTypeRoot.FLOAT || root == LogicalTypeRoot.DOUBLE;
    }

    private static boolean isInteger(LogicalTypeRoot root) {
        return root == LogicalTypeRoot.TINYINT
                || root == LogicalTypeRoot.SMALLINT
                || root == LogicalTypeRoot.INTEGER
                || root == LogicalTypeRoot.BIGINT;
    }

    private static boolean isString(LogicalType type) {
        return type.getTypeRoot() == LogicalTypeRoot.VARCHAR
                || type.getTypeRoot() == LogicalTypeRoot.CHAR;
    }

    /** The SQL type to declare for a tensor: {@code FLOAT}, {@code ARRAY<FLOAT>}, ... */
    static String sqlType(DType dtype, int rank) {
        String element =
                switch (dtype) {
                    case FLOAT -> "FLOAT";
                    case DOUBLE -> "DOUBLE";
                    case INT32 -> "INT";
                    case INT64 -> "BIGINT";
                    case BOOL -> "BOOLEAN";
                    case STRING -> "STRING";
                    case UNSUPPORTED -> "(unsupported)";
                };
        String type = element;
        for (int i = 0; i < Math.max(rank, 0); i++) {
            type = "ARRAY<" + type + ">";
        }
        return type;
    }
}
