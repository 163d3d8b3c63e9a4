package dev.batchscore.sql;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.ModelException;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.RecordError;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.ScoreResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.flink.metrics.Counter;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;

/**
 * ML_PREDICT's async function for a TensorFlow model: the rows ML_PREDICT has in flight are
 * gathered and scored in one model call when {@code batch.size} of them wait, or {@code
 * batch.max-delay} after the first of them arrived. The timer runs on this function's own thread,
 * not Flink's: at the end of a bounded input Flink's async operator waits for every row in flight,
 * and the timer is what scores the last, partial batch.
 *
 * <p>The model is loaded once per TaskManager ({@link ModelRegistry}) and shared by the subtasks on
 * it; every subtask scores its batches on its own thread. Metrics on the ML_PREDICT operator:
 * {@value #ROWS_SCORED}, {@value #ROWS_REJECTED}, {@value #MODEL_CALLS}.
 */
public final class BatchingPredictFunction extends AsyncPredictFunction {
    private static final long serialVersionUID = 1L;

    /** Rows the model scored. */
    static final String ROWS_SCORED = "tensorflowRowsScored";

    /** Rows the model rejected (with the reason in the error column, or failing the job). */
    static final String ROWS_REJECTED = "tensorflowRowsRejected";

    /** Batches sent to the model. */
    static final String MODEL_CALLS = "tensorflowModelCalls";

    private final ModelBinding binding;

    private transient SavedModel model;
    private transient BatchScorer scorer;
    private transient ScheduledExecutorService worker;
    private transient RowData.FieldGetter[] getters;
    private transient Counter rowsScored;
    private transient Counter rowsRejected;
    private transient Counter modelCalls;

    // Guarded by this: the batch gathering, and which batch the pending timer belongs to.
    private transient List<Pending> batch;
    private transient long batchNumber;

    private record Pending(
            Map<String, Object> record, CompletableFuture<Collection<RowData>> out) {}

    BatchingPredictFunction(ModelBinding binding) {
        this.binding = binding;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        ModelOptions options =
                ModelOptions.defaults()
                        .withTags(binding.scoring().tags())
                        .withThreads(
                                binding.scoring().intraOpThreads(),
                                binding.scoring().interOpThreads());
        model = ModelRegistry.acquire(ModelPaths.local(binding.exportDir()), options);
        scorer = model.scorer(binding.scoring().signature());
        getters = new RowData.FieldGetter[binding.inputTypes().size()];
        for (int i = 0; i < getters.length; i++) {
            getters[i] = RowData.createFieldGetter(binding.inputTypes().get(i), i);
        }
        rowsScored = context.getMetricGroup().counter(ROWS_SCORED);
        rowsRejected = context.getMetricGroup().counter(ROWS_REJECTED);
        modelCalls = context.getMetricGroup().counter(MODEL_CALLS);
        ScheduledThreadPoolExecutor executor =
                new ScheduledThreadPoolExecutor(
                        1,
                        r -> {
                            Thread t = new Thread(r, "tensorflow-batches-" + binding.model());
                            t.setDaemon(true);
                            return t;
                        });
        executor.setRemoveOnCancelPolicy(true);
        worker = executor;
        batch = new ArrayList<>();
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData inputRow) {
        Map<String, Object> record = new HashMap<>();
        for (int i = 0; i < getters.length; i++) {
            record.put(
                    binding.inputFields().get(i),
                    RowConversion.toRecordValue(
                            getters[i].getFieldOrNull(inputRow), binding.inputTypes().get(i)));
        }
        CompletableFuture<Collection<RowData>> out = new CompletableFuture<>();
        List<Pending> full = null;
        synchronized (this) {
            batch.add(new Pending(record, out));
            if (batch.size() >= binding.scoring().batchSize()) {
                full = take();
            } else if (batch.size() == 1) {
                long number = batchNumber;
                worker.schedule(
                        () -> flushIfStill(number),
                        binding.scoring().maxDelay().toNanos(),
                        TimeUnit.NANOSECONDS);
            }
        }
        if (full != null) {
            List<Pending> toScore = full;
            worker.execute(() -> score(toScore));
        }
        return out;
    }

    /** The batch gathered so far; the next row starts a new one. Caller holds the lock. */
    private List<Pending> take() {
        List<Pending> taken = batch;
        batch = new ArrayList<>();
        batchNumber++;
        return taken;
    }

    /** The timer of batch {@code number}: scores it unless it was already taken when full. */
    private void flushIfStill(long number) {
        List<Pending> taken;
        synchronized (this) {
            if (number != batchNumber || batch.isEmpty()) {
                return;
            }
            taken = take();
        }
        score(taken);
    }

    private void score(List<Pending> pending) {
        List<Map<String, Object>> records = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            records.add(p.record());
        }
        ScoreResult result;
        try {
            result = scorer.score(records);
            modelCalls.inc();
        } catch (RuntimeException e) {
            for (Pending p : pending) {
                p.out().completeExceptionally(e);
            }
            return;
        }
        for (int i = 0; i < pending.size(); i++) {
            CompletableFuture<Collection<RowData>> out = pending.get(i).out();
            try {
                if (result.ok(i)) {
                    rowsScored.inc();
                    out.complete(List.of(outputRow(result.outputs(i), null)));
                } else {
                    rowsRejected.inc();
                    RecordError error = result.error(i);
                    String reason = error.stage().label() + ": " + error.message();
                    if (binding.errorIndex() < 0) {
                        out.completeExceptionally(
                                new ModelException(
                                        "model '"
                                                + binding.model()
                                                + "' rejected a row: "
                                                + reason
                                                + " (set 'error-column' in CREATE MODEL to keep"
                                                + " such rows with the reason instead)"));
                    } else {
                        out.complete(List.of(outputRow(null, reason)));
                    }
                }
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        }
    }

    private RowData outputRow(Map<String, Object> outputs, String error) {
        int n = binding.outputKeys().size();
        GenericRowData row = new GenericRowData(n);
        for (int j = 0; j < n; j++) {
            if (j == binding.errorIndex()) {
                row.setField(j, error == null ? null : StringData.fromString(error));
            } else if (outputs != null) {
                row.setField(
                        j,
                        RowConversion.toInternal(
                                outputs.get(binding.outputKeys().get(j)),
                                binding.outputTypes().get(j)));
            }
        }
        return row;
    }

    @Override
    public void close() throws Exception {
        if (worker != null) {
            worker.shutdownNow();
            worker.awaitTermination(30, TimeUnit.SECONDS);
        }
        if (model != null) {
            model.close();
        }
    }
}
