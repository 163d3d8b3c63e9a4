package dev.batchscore.operators;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.ModelException;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.RecordError;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.ScoreResult;
import dev.batchscore.models.TensorSpec;
import dev.batchscore.operators.internal.Columns;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.RowType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores one micro-batch of Kafka records with a TensorFlow SavedModel.
 *
 * <p>{@link #open} acquires the model from the TaskManager-wide {@link ModelRegistry} (loaded once
 * per TaskManager and shared by reference count) and {@link #close} releases it. {@link #map}
 * decodes every record's JSON, builds each record's model input from the signature's fields
 * (through the spec's input mapping), scores all decodable records in a single {@link
 * BatchScorer#score} call and returns the scored rows ({@link ScoredRows#scoredRowType}) and the
 * error rows ({@link ScoredRows#errorRowType}): a bad record is data, never a job failure.
 *
 * <p>Metrics on the operator's group: counters {@code recordsScored}, {@code recordsFailed},
 * {@code batchesScored}; histograms {@code batchSize}, {@code inferenceLatencyMs}; gauge {@code
 * modelLoadTimeMs}.
 */
public class ScoringFunction extends RichMapFunction<List<KafkaRecord>, ScoredBatch> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ScoringFunction.class);
    private static final int HISTOGRAM_WINDOW = 1024;

    private final ScoringSpec spec;

    private transient SavedModel model;
    private transient BatchScorer scorer;
    private transient List<String> inputNames;
    private transient List<String> jsonFields;
    private transient List<Function<Object, Object>> outputConverters;
    private transient List<String> outputKeys;
    private transient StringData modelName;
    private transient StringData modelVersion;
    private transient int scoredArity;
    private transient JsonRecordDecoder decoder;

    private transient Counter recordsScored;
    private transient Counter recordsFailed;
    private transient Counter batchesScored;
    private transient Histogram batchSize;
    private transient Histogram inferenceLatencyMs;
    private transient volatile long modelLoadTimeMs;

    public ScoringFunction(ScoringSpec spec) {
        this.spec = spec;
    }

    @Override
    public void open(OpenContext openContext) {
        decoder = JsonRecordDecoder.get();
        RowType scoredType = ScoredRows.scoredRowType(spec);
        scoredArity = scoredType.getFieldCount();

        long start = System.nanoTime();
        model = ModelRegistry.acquire(Path.of(spec.modelPath()), spec.modelOptions());
        try {
            scorer = model.scorer(spec.signature());
            modelLoadTimeMs = (System.nanoTime() - start) / 1_000_000;
            checkOutputs(scorer.signature().outputs());
        } catch (RuntimeException e) {
            model.close();
            model = null;
            throw e;
        }

        inputNames = new ArrayList<>();
        jsonFields = new ArrayList<>();
        for (FieldSpec field : scorer.fields()) {
            inputNames.add(field.name());
            jsonFields.add(spec.jsonFieldFor(field.name()));
        }
        outputKeys = new ArrayList<>();
        outputConverters = new ArrayList<>();
        int column = spec.passthrough().size();
        for (TensorSpec out : spec.outputs()) {
            outputKeys.add(out.key());
            outputConverters.add(Columns.outputConverter(out.key(), scoredType.getTypeAt(column++)));
        }
        modelName = StringData.fromString(spec.modelName());
        modelVersion =
                StringData.fromString(
                        model.describe().version().isPresent()
                                ? Long.toString(model.describe().version().getAsLong())
                                : "unversioned");

        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        recordsScored = metrics.counter("recordsScored");
        recordsFailed = metrics.counter("recordsFailed");
        batchesScored = metrics.counter("batchesScored");
        batchSize = metrics.histogram("batchSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        inferenceLatencyMs =
                metrics.histogram("inferenceLatencyMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        metrics.gauge("modelLoadTimeMs", () -> modelLoadTimeMs);

        LOG.info(
                "Model {} version {} from {} ready for signature '{}' in {} ms; inputs {} read JSON fields {}",
                spec.modelName(),
                modelVersion,
                model.exportDir(),
                spec.signature(),
                modelLoadTimeMs,
                inputNames,
                jsonFields);
    }

    /** The spec's outputs fixed the row type before the job started; the model must still match. */
    private void checkOutputs(List<TensorSpec> actual) {
        Map<String, TensorSpec> byKey = new HashMap<>();
        for (TensorSpec t : actual) {
            byKey.put(t.key(), t);
        }
        if (spec.outputs().isEmpty()) {
            throw new ModelException(
                    "the scoring spec lists no model outputs; resolve them from signature '"
                            + spec.signature()
                            + "' (ScoringSpec.Builder#outputs) before building the job");
        }
        for (TensorSpec expected : spec.outputs()) {
            TensorSpec seen = byKey.get(expected.key());
            if (seen == null
                    || seen.dtype() != expected.dtype()
                    || ScoredRows.isScalar(seen) != ScoredRows.isScalar(expected)) {
                throw new ModelException(
                        "model output '"
                                + expected.key()
                                + "' was "
                                + expected.describeType()
                                + " when the job was built but the model at "
                                + model.exportDir()
                                + " has "
                                + (seen == null ? "no such output (outputs: " + byKey.keySet() + ")" : seen.describeType())
                                + "; rebuild the job against the model it will run");
            }
        }
    }

    @Override
    public ScoredBatch map(List<KafkaRecord> batch) {
        TimestampData now = TimestampData.fromInstant(Instant.now().truncatedTo(ChronoUnit.MICROS));
        List<RowData> scored = new ArrayList<>(batch.size());
        List<RowData> errors = new ArrayList<>();

        List<KafkaRecord> decodedRecords = new ArrayList<>(batch.size());
        List<ObjectNode> decoded = new ArrayList<>(batch.size());
        List<Map<String, Object>> inputs = new ArrayList<>(batch.size());
        for (KafkaRecord record : batch) {
            ObjectNode json;
            try {
                json = decoder.decode(record.value);
            } catch (JsonRecordDecoder.DecodeException e) {
                errors.add(errorRow(record, RecordError.Stage.DECODE, e.getMessage(), now));
                continue;
            }
            decodedRecords.add(record);
            decoded.add(json);
            inputs.add(modelInput(json));
        }

        if (!inputs.isEmpty()) {
            long start = System.nanoTime();
            ScoreResult result = scorer.score(inputs);
            inferenceLatencyMs.update((System.nanoTime() - start) / 1_000_000);
            if (result.size() != inputs.size()) {
                throw new IllegalStateException(
                        "the model runtime returned " + result.size() + " results for " + inputs.size() + " records");
            }
            for (int i = 0; i < inputs.size(); i++) {
                KafkaRecord record = decodedRecords.get(i);
                if (result.ok(i)) {
                    scored.add(scoredRow(record, decoded.get(i), result.outputs(i), now));
                } else {
                    RecordError error = result.error(i);
                    errors.add(errorRow(record, error.stage(), error.message(), now));
                }
            }
        }

        recordsScored.inc(scored.size());
        recordsFailed.inc(errors.size());
        batchesScored.inc();
        batchSize.update(batch.size());
        return new ScoredBatch(scored, errors);
    }

    private Map<String, Object> modelInput(ObjectNode json) {
        Map<String, Object> input = new HashMap<>();
        for (int i = 0; i < inputNames.size(); i++) {
            Object value = JsonRecordDecoder.toJava(json.get(jsonFields.get(i)));
            // A JSON null counts as missing: the model runtime names the field in its error.
            if (value != null) {
                input.put(inputNames.get(i), value);
            }
        }
        return input;
    }

    private RowData scoredRow(KafkaRecord record, ObjectNode json, Map<String, Object> outputs, TimestampData now) {
        GenericRowData row = new GenericRowData(scoredArity);
        int pos = 0;
        for (PassthroughField field : spec.passthrough()) {
            row.setField(pos++, Columns.passthrough(json.get(field.name()), field.type()));
        }
        for (int i = 0; i < outputKeys.size(); i++) {
            row.setField(pos++, outputConverters.get(i).apply(outputs.get(outputKeys.get(i))));
        }
        row.setField(pos++, StringData.fromString(record.topic));
        row.setField(pos++, record.partition);
        row.setField(pos++, record.offset);
        row.setField(pos++, TimestampData.fromEpochMillis(record.timestamp));
        row.setField(pos++, modelName);
        row.setField(pos++, modelVersion);
        row.setField(pos, now);
        return row;
    }

    private RowData errorRow(KafkaRecord record, RecordError.Stage stage, String message, TimestampData now) {
        return GenericRowData.of(
                StringData.fromString(record.topic),
                record.partition,
                record.offset,
                TimestampData.fromEpochMillis(record.timestamp),
                record.value,
                StringData.fromString(stage.label()),
                StringData.fromString(message == null ? stage.label() + " failed" : message),
                modelName,
                modelVersion,
                now);
    }

    @Override
    public void close() {
        if (model != null) {
            model.close();
            model = null;
            scorer = null;
        }
    }
}
