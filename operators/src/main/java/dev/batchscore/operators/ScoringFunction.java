package dev.batchscore.operators;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.ModelException;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.RecordError;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.ScoreResult;
import dev.batchscore.models.TensorSpec;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.RecordReader;
import dev.batchscore.operators.internal.Columns;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.api.common.accumulators.DoubleCounter;
import org.apache.flink.api.common.accumulators.LongCounter;
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
 * per TaskManager and shared by reference count) and {@link #close} releases it. {@link #map} reads
 * every record through the spec's {@link dev.batchscore.operators.format.RecordFormat} (the model's
 * inputs by the spec's input mapping, and the passthrough columns), scores all decodable records in
 * a single {@link BatchScorer#score} call and returns the scored rows ({@link
 * ScoredRows#scoredRowType}) and the error rows ({@link ScoredRows#errorRowType}): a bad record is
 * data, never a job failure.
 *
 * <p>What happens to a bad record follows the spec's {@link ErrorPolicy}: an error row (the
 * default), a skip (counted only), or a {@link BadRecordsException} that fails the job. Each
 * subtask also fails the job when, after {@link ErrorPolicy#minRecords()} records, the share of bad
 * records it has read exceeds {@link ErrorPolicy#maxRatio()}.
 *
 * <p>Metrics on the operator's group: counters {@code recordsRead}, {@code recordsScored}, {@code
 * recordsDeadLettered}, {@code recordsSkipped} (the last three add up to the first), {@code
 * batchesScored}; histograms {@code batchSize}, {@code inferenceLatencyMs}; gauge {@code
 * modelLoadTimeMs}. The same four counts are Flink accumulators ({@link #ACC_READ} ...), which the
 * client reads from the job result for the run summary.
 *
 * <p>Records whose position is in the {@code committed} set are dropped before anything else and
 * counted apart, in {@code recordsAlreadyCommitted} ({@link #ACC_ALREADY_COMMITTED}), not as read:
 * the job's source-side filter already drops them, so these are the micro-batches restored from a
 * savepoint that an earlier resume of the same savepoint committed.
 */
public class ScoringFunction extends RichMapFunction<List<KafkaRecord>, ScoredBatch> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ScoringFunction.class);
    private static final int HISTOGRAM_WINDOW = 1024;

    /** Accumulator names: summed over subtasks in the job result. */
    public static final String ACC_READ = "batchscore.recordsRead";

    public static final String ACC_SCORED = "batchscore.recordsScored";
    public static final String ACC_DEAD_LETTERED = "batchscore.recordsDeadLettered";
    public static final String ACC_SKIPPED = "batchscore.recordsSkipped";

    /** Records dropped before decoding because the pipeline had committed them already. */
    public static final String ACC_ALREADY_COMMITTED = "batchscore.recordsAlreadyCommitted";

    /**
     * Several models, {@code errors.on-model-failure: null-outputs}: records written (and counted
     * as scored) with a champion model's columns null because that model could not score them.
     */
    public static final String ACC_MODEL_FAILED = "batchscore.recordsModelFailed";

    private final ScoringSpec spec;
    private final PositionSet committed;

    private transient SavedModel model;
    private transient BatchScorer scorer;
    private transient List<String> inputNames;
    private transient List<String> recordFields;
    private transient List<Function<Object, Object>> outputConverters;
    private transient List<String> outputKeys;
    private transient StringData modelName;
    private transient StringData modelVersion;
    private transient StringData pipelineId;
    private transient StringData runId;
    private transient int scoredArity;
    private transient RecordReader reader;
    private transient int passthroughCount;

    private transient ErrorPolicy policy;
    private transient Counter recordsRead;
    private transient Counter recordsScored;
    private transient Counter recordsDeadLettered;
    private transient Counter recordsSkipped;
    private transient Counter recordsAlreadyCommitted;
    private transient LongCounter alreadyCommittedAcc;
    private transient LongCounter readAcc;
    private transient LongCounter scoredAcc;
    private transient LongCounter deadLetteredAcc;
    private transient LongCounter skippedAcc;
    // This subtask's counts since it (re)started, for errors.max-ratio.
    private transient long subtaskRead;
    private transient long subtaskBad;
    private transient Counter batchesScored;
    private transient Histogram batchSize;
    private transient Histogram inferenceLatencyMs;
    private transient volatile long modelLoadTimeMs;
    // Several models (spec.multiModel()); null for the one-model path above.
    private transient Models multi;
    private transient LongCounter modelFailedAcc;

    public ScoringFunction(ScoringSpec spec) {
        this(spec, PositionSet.empty());
    }

    /**
     * @param committed positions the pipeline already committed: dropped, never scored again
     */
    public ScoringFunction(ScoringSpec spec, PositionSet committed) {
        this.spec = spec;
        this.committed = committed == null ? PositionSet.empty() : committed;
    }

    @Override
    public void open(OpenContext openContext) {
        policy = spec.errorPolicy();
        RowType scoredType = ScoredRows.scoredRowType(spec);
        scoredArity = scoredType.getFieldCount();

        if (spec.multiModel()) {
            multi = openModels(scoredType);
            modelName = StringData.fromString(spec.modelName());
            pipelineId = StringData.fromString(spec.pipelineId());
            runId = StringData.fromString(spec.runId());
            modelVersion = StringData.fromString(multi.versionSummary());
            openMetrics();
            modelFailedAcc = accumulator(ACC_MODEL_FAILED);
            for (ShadowAgreement a : multi.agreements) {
                multi.agreementRows.add(accumulator(a.rowsAccumulator()));
                DoubleCounter sum = new DoubleCounter();
                getRuntimeContext().addAccumulator(a.sumAccumulator(), sum);
                multi.agreementSums.add(sum);
            }
            for (int k = 0; k < multi.size(); k++) {
                multi.shadowFailed[k] =
                        multi.models.get(k).shadow()
                                ? accumulator(
                                        ShadowAgreement.failedAccumulator(
                                                multi.models.get(k).name()))
                                : null;
            }
            LOG.info(
                    "Models {} ready ({}) in {} ms; reading {} fields {} once per record",
                    spec.modelName(),
                    multi.versionSummary(),
                    modelLoadTimeMs,
                    spec.format().name(),
                    multi.unionKeys);
            return;
        }
        long start = System.nanoTime();
        // A model on object storage (s3://, gs://, hdfs://...) is copied to local disk once per
        // TaskManager; every slot and restart on it then shares the copy and the loaded model.
        Path local =
                ModelFetcher.localize(
                        spec.modelPath(), ModelFetcher.localDir(spec.modelLocalDir()));
        model = ModelRegistry.acquire(local, spec.modelOptions());
        try {
            scorer = model.scorer(spec.signature());
            if (spec.identityScoring()) {
                scorer = new IdentityScorer(scorer, spec.outputs());
            }
            modelLoadTimeMs = (System.nanoTime() - start) / 1_000_000;
            checkOutputs(scorer.signature().outputs());
        } catch (RuntimeException e) {
            model.close();
            model = null;
            throw e;
        }

        inputNames = new ArrayList<>();
        recordFields = new ArrayList<>();
        for (FieldSpec field : scorer.fields()) {
            inputNames.add(field.name());
            recordFields.add(spec.fieldFor(field.name()));
        }
        reader =
                spec.format()
                        .reader(
                                spec.readerSpec(
                                        scorer.fields(),
                                        scorer.serializedExampleInput().orElse(null)));
        passthroughCount = spec.passthrough().size();
        outputKeys = new ArrayList<>();
        outputConverters = new ArrayList<>();
        int column = spec.passthrough().size();
        for (TensorSpec out : spec.outputs()) {
            outputKeys.add(out.key());
            outputConverters.add(
                    Columns.outputConverter(out.key(), scoredType.getTypeAt(column++)));
        }
        modelName = StringData.fromString(spec.modelName());
        pipelineId = StringData.fromString(spec.pipelineId());
        runId = StringData.fromString(spec.runId());
        modelVersion =
                StringData.fromString(
                        model.describe().version().isPresent()
                                ? Long.toString(model.describe().version().getAsLong())
                                : "unversioned");

        openMetrics();
        LOG.info(
                "Model {} version {} from {} ready for signature '{}' in {} ms; inputs {} read {} fields {}",
                spec.modelName(),
                modelVersion,
                model.exportDir(),
                spec.signature(),
                modelLoadTimeMs,
                inputNames,
                spec.format().name(),
                recordFields);
    }

    private void openMetrics() {
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        recordsRead = metrics.counter("recordsRead");
        recordsScored = metrics.counter("recordsScored");
        recordsDeadLettered = metrics.counter("recordsDeadLettered");
        recordsSkipped = metrics.counter("recordsSkipped");
        readAcc = accumulator(ACC_READ);
        scoredAcc = accumulator(ACC_SCORED);
        deadLetteredAcc = accumulator(ACC_DEAD_LETTERED);
        skippedAcc = accumulator(ACC_SKIPPED);
        recordsAlreadyCommitted = metrics.counter("recordsAlreadyCommitted");
        alreadyCommittedAcc = accumulator(ACC_ALREADY_COMMITTED);
        batchesScored = metrics.counter("batchesScored");
        batchSize =
                metrics.histogram(
                        "batchSize", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        inferenceLatencyMs =
                metrics.histogram(
                        "inferenceLatencyMs", new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
        metrics.gauge("modelLoadTimeMs", () -> modelLoadTimeMs);
    }

    private LongCounter accumulator(String name) {
        LongCounter counter = new LongCounter();
        getRuntimeContext().addAccumulator(name, counter);
        return counter;
    }

    /** The spec's outputs fixed the row type before the job started; the model must still match. */
    private void checkOutputs(List<TensorSpec> actual) {
        if (spec.outputs().isEmpty()) {
            throw new ModelException(
                    "the scoring spec lists no model outputs; resolve them from signature '"
                            + spec.signature()
                            + "' (ScoringSpec.Builder#outputs) before building the job");
        }
        checkOutputs(spec, model, actual);
    }

    @Override
    public ScoredBatch map(List<KafkaRecord> restoredOrRead) {
        List<KafkaRecord> batch = dropCommitted(restoredOrRead);
        if (batch.isEmpty()) {
            return new ScoredBatch(new ArrayList<>(), new ArrayList<>());
        }
        TimestampData now = TimestampData.fromInstant(Instant.now().truncatedTo(ChronoUnit.MICROS));
        if (multi != null) {
            return mapModels(batch, now);
        }
        List<RowData> scored = new ArrayList<>(batch.size());
        List<RowData> errors = new ArrayList<>();
        List<KafkaRecord> decodedRecords = new ArrayList<>(batch.size());
        List<Object[]> decoded = new ArrayList<>(batch.size());
        List<Map<String, Object>> inputs = new ArrayList<>(batch.size());
        long[] skipped = {0};
        for (KafkaRecord record : batch) {
            Map<String, Object> input = new HashMap<>();
            Object[] passthrough = read(record, input, now, errors, skipped);
            if (passthrough == null) {
                continue;
            }
            decodedRecords.add(record);
            decoded.add(passthrough);
            inputs.add(input);
        }

        if (!inputs.isEmpty()) {
            long start = System.nanoTime();
            ScoreResult result = scorer.score(inputs);
            inferenceLatencyMs.update((System.nanoTime() - start) / 1_000_000);
            if (result.size() != inputs.size()) {
                throw new IllegalStateException(
                        "the model runtime returned "
                                + result.size()
                                + " results for "
                                + inputs.size()
                                + " records");
            }
            for (int i = 0; i < inputs.size(); i++) {
                KafkaRecord record = decodedRecords.get(i);
                if (result.ok(i)) {
                    scored.add(scoredRow(record, decoded.get(i), result.outputs(i), now));
                } else {
                    RecordError error = result.error(i);
                    bad(record, error.stage(), error.message(), now, errors, skipped);
                }
            }
        }

        counted(batch.size(), scored.size(), errors.size(), skipped[0]);
        return new ScoredBatch(scored, errors);
    }

    private transient String lastBad;

    /**
     * Reads one record through the spec's format: its model input into {@code input}, and its
     * passthrough values returned; null when it cannot be read, after routing it as a bad record.
     */
    private Object[] read(
            KafkaRecord record,
            Map<String, Object> input,
            TimestampData now,
            List<RowData> errors,
            long[] skipped) {
        if (record.value != null && record.value.length > policy.maxRecordBytes()) {
            // Checked before parsing: an oversize value is a producer bug, and parsing it would
            // cost memory and time for a record that cannot be trusted.
            bad(
                    record,
                    RecordError.Stage.DECODE,
                    "record value is "
                            + record.value.length
                            + " bytes, over errors.max-record-bytes ("
                            + policy.maxRecordBytes()
                            + "); raise it if such records are legitimate",
                    now,
                    errors,
                    skipped);
            return null;
        }
        Object[] passthrough = new Object[passthroughCount];
        try {
            reader.read(record.value, input, passthrough);
            return passthrough;
        } catch (DecodeException e) {
            bad(record, RecordError.Stage.DECODE, e.getMessage(), now, errors, skipped);
            return null;
        }
    }

    /**
     * Counts one micro-batch in the metrics and accumulators (read = scored + dead-lettered +
     * skipped) and fails the job when this subtask's share of bad records exceeds errors.max-ratio.
     */
    private void counted(int read, long scoredCount, long deadLettered, long skipped) {
        recordsRead.inc(read);
        recordsScored.inc(scoredCount);
        recordsDeadLettered.inc(deadLettered);
        recordsSkipped.inc(skipped);
        readAcc.add(read);
        scoredAcc.add(scoredCount);
        deadLetteredAcc.add(deadLettered);
        skippedAcc.add(skipped);
        batchesScored.inc();
        batchSize.update(read);
        ScoringProbe.scored(read);
        subtaskRead += read;
        subtaskBad += deadLettered + skipped;
        if (policy.ratioExceeded(subtaskBad, subtaskRead)) {
            throw new BadRecordsException(
                    String.format(
                            java.util.Locale.ROOT,
                            "errors.max-ratio exceeded: %d of the %d records scoring subtask %d read were bad (%.3f > %s),"
                                    + " e.g. %s; check source.kafka.topic and the producer, or raise errors.max-ratio",
                            subtaskBad,
                            subtaskRead,
                            getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                            subtaskBad / (double) subtaskRead,
                            policy.maxRatio(),
                            lastBad));
        }
    }

    /**
     * The batch without the positions the pipeline committed before this job was planned. The
     * source-side filter ({@code skip-committed}) never lets such a record reach a window, but a
     * micro-batch pending in a savepoint is restored behind it: resuming the same savepoint twice
     * would score and commit it twice.
     */
    private List<KafkaRecord> dropCommitted(List<KafkaRecord> batch) {
        if (committed.isEmpty()) {
            return batch;
        }
        List<KafkaRecord> kept = new ArrayList<>(batch.size());
        for (KafkaRecord r : batch) {
            if (!committed.contains(r.topic, r.partition, r.offset)) {
                kept.add(r);
            }
        }
        int dropped = batch.size() - kept.size();
        if (dropped > 0) {
            recordsAlreadyCommitted.inc(dropped);
            alreadyCommittedAcc.add(dropped);
            LOG.info(
                    "Dropped {} of {} records of a micro-batch: the pipeline committed them already",
                    dropped,
                    batch.size());
        }
        return kept;
    }

    /** Routes one bad record by the error policy: an error row, a skip, or a job failure. */
    private void bad(
            KafkaRecord record,
            RecordError.Stage stage,
            String message,
            TimestampData now,
            List<RowData> errors,
            long[] skipped) {
        String where = record.topic + "-" + record.partition + "@" + record.offset;
        lastBad = where + " failed at " + stage.label() + ": " + message;
        switch (policy.mode()) {
            case DEAD_LETTER -> errors.add(errorRow(record, stage, message, now));
            case SKIP -> skipped[0]++;
            case FAIL ->
                    throw new BadRecordsException(
                            "record "
                                    + lastBad
                                    + " (errors.mode is fail: fix the record, or set errors.mode to dead-letter or skip)");
        }
    }

    private RowData scoredRow(
            KafkaRecord record,
            Object[] passthrough,
            Map<String, Object> outputs,
            TimestampData now) {
        GenericRowData row = new GenericRowData(scoredArity);
        int pos = 0;
        for (Object value : passthrough) {
            row.setField(pos++, value);
        }
        for (int i = 0; i < outputKeys.size(); i++) {
            row.setField(pos++, outputConverters.get(i).apply(outputs.get(outputKeys.get(i))));
        }
        row.setField(pos++, topic(record.topic));
        row.setField(pos++, record.partition);
        row.setField(pos++, record.offset);
        row.setField(pos++, TimestampData.fromEpochMillis(record.timestamp));
        row.setField(pos++, modelName);
        row.setField(pos++, modelVersion);
        row.setField(pos++, now);
        row.setField(pos++, pipelineId);
        row.setField(pos, runId);
        return row;
    }

    private transient String lastTopic;
    private transient StringData lastTopicData;

    /**
     * The topic as a column value, made once per topic: a new {@link StringData} per row is encoded
     * to UTF-8 again by the Parquet writer for every row, while a batch's rows almost always share
     * one topic. Rows may share the value: nothing downstream changes a row's fields.
     */
    private StringData topic(String topic) {
        if (topic == null) {
            return null;
        }
        if (topic != lastTopic && !topic.equals(lastTopic)) {
            lastTopicData = StringData.fromString(topic);
            lastTopic = topic;
        }
        return lastTopicData;
    }

    private RowData errorRow(
            KafkaRecord record, RecordError.Stage stage, String message, TimestampData now) {
        return errorRow(record, stage, message, now, modelName, modelVersion);
    }

    private RowData errorRow(
            KafkaRecord record,
            RecordError.Stage stage,
            String message,
            TimestampData now,
            StringData modelName,
            StringData modelVersion) {
        return GenericRowData.of(
                topic(record.topic),
                record.partition,
                record.offset,
                TimestampData.fromEpochMillis(record.timestamp),
                record.value,
                StringData.fromString(stage.label()),
                StringData.fromString(message == null ? stage.label() + " failed" : message),
                modelName,
                modelVersion,
                now,
                pipelineId,
                runId);
    }

    // ---------------------------------------------------------------- several models

    /** Per-task state of a multi-model spec: every model, its scorer and where its inputs are. */
    private static final class Models {
        final List<NamedModel> models;
        final SavedModel[] loaded;
        final BatchScorer[] scorers;
        final String[][] inputNames;
        // Per model, per input: the key of the union reader's map the value is under.
        final String[][] unionKey;
        final String[][] outputKeys;
        final List<List<Function<Object, Object>>> converters = new ArrayList<>();
        final StringData[] names;
        final StringData[] versions;
        final int[] champions;
        final LongCounter[] shadowFailed;
        final List<ShadowAgreement> agreements = new ArrayList<>();
        int[][] agreementIdx;
        final List<LongCounter> agreementRows = new ArrayList<>();
        final List<DoubleCounter> agreementSums = new ArrayList<>();
        Ensemble ensemble;
        String ensembleKey;
        double[] weights;
        Function<Object, Object> ensembleConverter;
        final List<String> unionKeys = new ArrayList<>();

        Models(List<NamedModel> models) {
            this.models = models;
            int n = models.size();
            loaded = new SavedModel[n];
            scorers = new BatchScorer[n];
            inputNames = new String[n][];
            unionKey = new String[n][];
            outputKeys = new String[n][];
            names = new StringData[n];
            versions = new StringData[n];
            shadowFailed = new LongCounter[n];
            List<Integer> champ = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                names[k] = StringData.fromString(models.get(k).name());
                if (!models.get(k).shadow()) {
                    champ.add(k);
                }
            }
            champions = champ.stream().mapToInt(Integer::intValue).toArray();
        }

        int size() {
            return models.size();
        }

        /** {@code a=3,b=unversioned}: the error rows' {@code _model_version} for a decode error. */
        String versionSummary() {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < size(); k++) {
                sb.append(k == 0 ? "" : ",").append(names[k]).append('=').append(versions[k]);
            }
            return sb.toString();
        }

        void close() {
            for (int k = 0; k < loaded.length; k++) {
                if (loaded[k] != null) {
                    loaded[k].close();
                    loaded[k] = null;
                }
            }
        }
    }

    /** The key the union reader fills for a serialized tf.Example input (any model's). */
    private static final String SERIALIZED_KEY = "\u0000serialized-example";

    private Models openModels(RowType scoredType) {
        Models m = new Models(spec.models());
        long start = System.nanoTime();
        try {
            for (int k = 0; k < m.size(); k++) {
                ScoringSpec own = m.models.get(k).spec();
                Path local =
                        ModelFetcher.localize(
                                own.modelPath(), ModelFetcher.localDir(own.modelLocalDir()));
                // Loaded once per TaskManager and ref-counted, per model: two jobs (or two names)
                // with the same export and options share one loaded copy.
                m.loaded[k] = ModelRegistry.acquire(local, own.modelOptions());
                BatchScorer scorer = m.loaded[k].scorer(own.signature());
                if (spec.identityScoring()) {
                    scorer = new IdentityScorer(scorer, own.outputs());
                }
                m.scorers[k] = scorer;
                checkOutputs(own, m.loaded[k], scorer.signature().outputs());
                m.versions[k] =
                        StringData.fromString(
                                m.loaded[k].describe().version().isPresent()
                                        ? Long.toString(
                                                m.loaded[k].describe().version().getAsLong())
                                        : "unversioned");
            }
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        modelLoadTimeMs = (System.nanoTime() - start) / 1_000_000;

        // One reader for the union of the models' record fields: each record is decoded once.
        Map<String, FieldSpec> union = new LinkedHashMap<>();
        Map<String, String> unionOwner = new HashMap<>();
        String serialized = null;
        for (int k = 0; k < m.size(); k++) {
            ScoringSpec own = m.models.get(k).spec();
            List<FieldSpec> fields = m.scorers[k].fields();
            String example = m.scorers[k].serializedExampleInput().orElse(null);
            m.inputNames[k] = new String[fields.size() + (example == null ? 0 : 1)];
            m.unionKey[k] = new String[m.inputNames[k].length];
            int j = 0;
            for (FieldSpec f : fields) {
                String recordField = own.fieldFor(f.name());
                FieldSpec seen = union.get(recordField);
                if (seen != null && (seen.dtype() != f.dtype() || !sameShape(seen, f))) {
                    throw new ModelException(
                            "record field '"
                                    + recordField
                                    + "' feeds model '"
                                    + unionOwner.get(recordField)
                                    + "' as "
                                    + seen.describeType()
                                    + " and model '"
                                    + m.models.get(k).name()
                                    + "' as "
                                    + f.describeType()
                                    + "; a field is decoded once for every model, so map one of the"
                                    + " inputs to another field");
                }
                union.putIfAbsent(recordField, new FieldSpec(recordField, f.dtype(), f.rowShape()));
                unionOwner.putIfAbsent(recordField, m.models.get(k).name());
                m.inputNames[k][j] = f.name();
                m.unionKey[k][j++] = recordField;
            }
            if (example != null) {
                serialized = SERIALIZED_KEY;
                m.inputNames[k][j] = example;
                m.unionKey[k][j] = SERIALIZED_KEY;
            }
            List<Function<Object, Object>> conv = new ArrayList<>();
            m.outputKeys[k] = new String[own.outputs().size()];
            int o = 0;
            for (TensorSpec out : own.outputs()) {
                m.outputKeys[k][o++] = out.key();
                conv.add(
                        Columns.outputConverter(
                                out.key(),
                                scoredType.getTypeAt(
                                        scoredType.getFieldIndex(
                                                m.models.get(k).column(out.key())))));
            }
            m.converters.add(conv);
        }
        m.unionKeys.addAll(union.keySet());
        // Unmapped: the union's fields are named by the record fields they read.
        reader =
                spec.format()
                        .reader(
                                new dev.batchscore.operators.format.RecordFormat.ReaderSpec(
                                        new ArrayList<>(union.values()),
                                        Map.of(),
                                        spec.passthrough(),
                                        serialized));
        passthroughCount = spec.passthrough().size();
        scoredArity = scoredType.getFieldCount();

        if (spec.ensemble() != null) {
            m.ensemble = spec.ensemble();
            m.ensembleKey = m.ensemble.inputKey(spec.models());
            m.weights = m.ensemble.weightsFor(Ensemble.champions(spec.models()));
            int col = scoredType.getFieldIndex(m.ensemble.column());
            m.ensembleConverter =
                    Columns.outputConverter(m.ensemble.column(), scoredType.getTypeAt(col));
        }
        m.agreements.addAll(ShadowAgreement.of(spec));
        m.agreementIdx = new int[m.agreements.size()][];
        for (int a = 0; a < m.agreements.size(); a++) {
            m.agreementIdx[a] =
                    new int[] {
                        indexOf(m, m.agreements.get(a).champion()),
                        indexOf(m, m.agreements.get(a).shadow())
                    };
        }
        return m;
    }

    private static int indexOf(Models m, String name) {
        for (int k = 0; k < m.size(); k++) {
            if (m.models.get(k).name().equals(name)) {
                return k;
            }
        }
        throw new IllegalStateException("no model " + name);
    }

    /**
     * The outputs {@code own} fixed the row type with must still be the model's. An output the
     * signature declares with unknown rank was given its shape at planning by scoring a probe
     * record; only its dtype can be checked here.
     */
    private static void checkOutputs(ScoringSpec own, SavedModel loaded, List<TensorSpec> actual) {
        Map<String, TensorSpec> byKey = new HashMap<>();
        for (TensorSpec t : actual) {
            byKey.put(t.key(), t);
        }
        for (TensorSpec expected : own.outputs()) {
            TensorSpec seen = byKey.get(expected.key());
            if (seen == null
                    || seen.dtype() != expected.dtype()
                    || (seen.shape() != null
                            && ScoredRows.isScalar(seen) != ScoredRows.isScalar(expected))) {
                throw new ModelException(
                        "model output '"
                                + expected.key()
                                + "' was "
                                + expected.describeType()
                                + " when the job was built but the model at "
                                + loaded.exportDir()
                                + " has "
                                + (seen == null
                                        ? "no such output (outputs: " + byKey.keySet() + ")"
                                        : seen.describeType())
                                + "; rebuild the job against the model it will run");
            }
        }
    }

    /**
     * Decodes every record once, scores the decodable ones with each model in one batch call per
     * model, and writes one row per record (see {@link ModelFailure} for a champion's failure; a
     * shadow's failure only nulls its columns and is counted apart).
     */
    private ScoredBatch mapModels(List<KafkaRecord> batch, TimestampData now) {
        Models m = multi;
        int n = m.size();
        List<RowData> scored = new ArrayList<>(batch.size());
        List<RowData> errors = new ArrayList<>();
        long[] skipped = {0};
        long deadLettered = 0;
        List<KafkaRecord> decodedRecords = new ArrayList<>(batch.size());
        List<Object[]> decoded = new ArrayList<>(batch.size());
        List<List<Map<String, Object>>> inputs = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            inputs.add(new ArrayList<>(batch.size()));
        }
        for (KafkaRecord record : batch) {
            Map<String, Object> values = new HashMap<>();
            int before = errors.size();
            Object[] passthrough = read(record, values, now, errors, skipped);
            if (passthrough == null) {
                deadLettered += errors.size() - before;
                continue;
            }
            decodedRecords.add(record);
            decoded.add(passthrough);
            for (int k = 0; k < n; k++) {
                String[] names = m.inputNames[k];
                String[] keys = m.unionKey[k];
                Map<String, Object> in = new HashMap<>(2 * names.length);
                for (int j = 0; j < names.length; j++) {
                    Object v = values.get(keys[j]);
                    if (v != null || values.containsKey(keys[j])) {
                        in.put(names[j], v);
                    }
                }
                inputs.get(k).add(in);
            }
        }

        int rows = decodedRecords.size();
        if (rows > 0) {
            ScoreResult[] results = new ScoreResult[n];
            long start = System.nanoTime();
            for (int k = 0; k < n; k++) {
                results[k] = m.scorers[k].score(inputs.get(k));
                if (results[k].size() != rows) {
                    throw new IllegalStateException(
                            "the model runtime returned "
                                    + results[k].size()
                                    + " results for "
                                    + rows
                                    + " records (model '"
                                    + m.models.get(k).name()
                                    + "')");
                }
            }
            inferenceLatencyMs.update((System.nanoTime() - start) / 1_000_000);
            Object[] combine = m.ensemble == null ? null : new Object[m.champions.length];
            for (int i = 0; i < rows; i++) {
                KafkaRecord record = decodedRecords.get(i);
                boolean championFailed = false;
                int before = errors.size();
                for (int k = 0; k < n; k++) {
                    if (results[k].ok(i)) {
                        continue;
                    }
                    RecordError error = results[k].error(i);
                    String message =
                            "model '"
                                    + m.models.get(k).name()
                                    + "': "
                                    + (error.message() == null
                                            ? error.stage().label() + " failed"
                                            : error.message());
                    if (m.models.get(k).shadow()) {
                        // Never the run's failure: counted apart, and written unless skipped.
                        m.shadowFailed[k].add(1);
                        if (policy.mode() != ErrorPolicy.Mode.SKIP) {
                            errors.add(
                                    errorRow(
                                            record,
                                            error.stage(),
                                            message,
                                            now,
                                            m.names[k],
                                            m.versions[k]));
                        }
                        continue;
                    }
                    championFailed = true;
                    modelBad(record, error.stage(), message, now, errors, skipped, k);
                }
                if (championFailed && spec.onModelFailure() == ModelFailure.DROP_ROW) {
                    if (errors.size() > before) {
                        deadLettered++;
                    }
                    continue;
                }
                if (championFailed) {
                    modelFailedAcc.add(1);
                }
                scored.add(multiRow(record, decoded.get(i), results, i, combine, now));
                for (int a = 0; a < m.agreements.size(); a++) {
                    int c = m.agreementIdx[a][0];
                    int sh = m.agreementIdx[a][1];
                    if (results[c].ok(i) && results[sh].ok(i)) {
                        ShadowAgreement agreement = m.agreements.get(a);
                        Object cv = results[c].outputs(i).get(agreement.championOutput());
                        Object sv = results[sh].outputs(i).get(agreement.shadowOutput());
                        if (cv != null && sv != null) {
                            m.agreementRows.get(a).add(1);
                            m.agreementSums.get(a).add(agreement.compare(cv, sv));
                        }
                    }
                }
            }
        }

        counted(batch.size(), scored.size(), deadLettered, skipped[0]);
        return new ScoredBatch(scored, errors);
    }

    /** {@link #bad}, naming the champion model {@code k} in the error row. */
    private void modelBad(
            KafkaRecord record,
            RecordError.Stage stage,
            String message,
            TimestampData now,
            List<RowData> errors,
            long[] skipped,
            int k) {
        String where = record.topic + "-" + record.partition + "@" + record.offset;
        lastBad = where + " failed at " + stage.label() + ": " + message;
        boolean dropRow = spec.onModelFailure() == ModelFailure.DROP_ROW;
        switch (policy.mode()) {
            case DEAD_LETTER ->
                    errors.add(
                            errorRow(
                                    record,
                                    stage,
                                    message,
                                    now,
                                    multi.names[k],
                                    multi.versions[k]));
            case SKIP -> {
                // A dropped row is a skipped record; with null-outputs the record is scored.
                if (dropRow && errorsSkippedOnce(skipped, record)) {
                    skipped[0]++;
                }
            }
            case FAIL ->
                    throw new BadRecordsException(
                            "record "
                                    + lastBad
                                    + " (errors.mode is fail: fix the record, or set errors.mode to dead-letter or skip)");
        }
    }

    private transient KafkaRecord lastSkipped;

    /** Whether {@code record} was not counted as skipped yet (two models may fail it). */
    private boolean errorsSkippedOnce(long[] skipped, KafkaRecord record) {
        if (lastSkipped == record) {
            return false;
        }
        lastSkipped = record;
        return true;
    }

    private RowData multiRow(
            KafkaRecord record,
            Object[] passthrough,
            ScoreResult[] results,
            int i,
            Object[] combine,
            TimestampData now) {
        Models m = multi;
        GenericRowData row = new GenericRowData(scoredArity);
        int pos = 0;
        for (Object value : passthrough) {
            row.setField(pos++, value);
        }
        for (int k = 0; k < m.size(); k++) {
            String[] keys = m.outputKeys[k];
            if (results[k].ok(i)) {
                Map<String, Object> outputs = results[k].outputs(i);
                List<Function<Object, Object>> conv = m.converters.get(k);
                for (int o = 0; o < keys.length; o++) {
                    row.setField(pos++, conv.get(o).apply(outputs.get(keys[o])));
                }
            } else {
                pos += keys.length; // null outputs
            }
        }
        if (m.ensemble != null) {
            boolean all = true;
            for (int c = 0; c < m.champions.length; c++) {
                int k = m.champions[c];
                Object v = results[k].ok(i) ? results[k].outputs(i).get(m.ensembleKey) : null;
                if (v == null) {
                    all = false;
                    break;
                }
                combine[c] = v;
            }
            // A champion without a value: no combination rather than one over fewer models.
            row.setField(
                    pos++,
                    all ? m.ensembleConverter.apply(m.ensemble.combine(combine, m.weights)) : null);
        }
        row.setField(pos++, topic(record.topic));
        row.setField(pos++, record.partition);
        row.setField(pos++, record.offset);
        row.setField(pos++, TimestampData.fromEpochMillis(record.timestamp));
        row.setField(pos++, modelName);
        for (int k = 0; k < m.size(); k++) {
            row.setField(pos++, m.versions[k]);
        }
        row.setField(pos++, now);
        row.setField(pos++, pipelineId);
        row.setField(pos, runId);
        return row;
    }

    @Override
    public void close() {
        if (multi != null) {
            multi.close();
            multi = null;
        }
        if (model != null) {
            model.close();
            model = null;
            scorer = null;
        }
    }

    /**
     * Whether one decoded value feeds both fields: the same row shape, or both single-valued (a
     * scalar and a {@code [1]} both take one number).
     */
    private static boolean sameShape(FieldSpec a, FieldSpec b) {
        return a.rowShape().equals(b.rowShape()) || singleValued(a) && singleValued(b);
    }

    private static boolean singleValued(FieldSpec f) {
        return f.rowShape().stream().allMatch(d -> d == 1L);
    }
}
