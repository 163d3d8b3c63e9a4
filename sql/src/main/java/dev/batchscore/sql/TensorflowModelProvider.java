package dev.batchscore.sql;

import dev.batchscore.models.ModelException;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.config.ExecutionConfigOptions;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;

/**
 * The {@code tensorflow} model: async only, because batching needs many rows in flight at once
 * (Flink's sync ML_PREDICT hands the function one row and waits for its result).
 */
final class TensorflowModelProvider implements AsyncPredictRuntimeProvider {
    /** ML_PREDICT's per-query key for the async capacity (MLPredictRuntimeConfigOptions). */
    static final String QUERY_CAPACITY_KEY = "max-concurrent-operations";

    private final ModelBinding binding;
    private final int sessionCapacity;

    TensorflowModelProvider(ModelBinding binding, ReadableConfig session) {
        this(
                binding,
                session.get(
                        ExecutionConfigOptions
                                .TABLE_EXEC_ASYNC_ML_PREDICT_MAX_CONCURRENT_OPERATIONS));
    }

    private TensorflowModelProvider(ModelBinding binding, int sessionCapacity) {
        this.binding = binding;
        this.sessionCapacity = sessionCapacity;
    }

    @Override
    public AsyncPredictFunction createAsyncPredictFunction(Context context) {
        // The capacity ML_PREDICT will plan with: the query's MAP option, else the session's.
        String query = context.runtimeConfig().toMap().get(QUERY_CAPACITY_KEY);
        int capacity = query != null ? Integer.parseInt(query.strip()) : sessionCapacity;
        if (capacity < binding.scoring().batchSize()) {
            throw new ModelException(
                    "model '"
                            + binding.model()
                            + "' has batch.size "
                            + binding.scoring().batchSize()
                            + " but ML_PREDICT keeps at most "
                            + capacity
                            + " rows in flight"
                            + (query != null
                                    ? " ('" + QUERY_CAPACITY_KEY + "' of the query)"
                                    : " (table.exec.async-ml-predict.max-concurrent-operations)")
                            + ", so no batch could fill: SET"
                            + " 'table.exec.async-ml-predict.max-concurrent-operations' = '"
                            + 2 * binding.scoring().batchSize()
                            + "' or lower batch.size");
        }
        return new BatchingPredictFunction(binding);
    }

    @Override
    public TensorflowModelProvider copy() {
        return new TensorflowModelProvider(binding, sessionCapacity); // immutable
    }

    /** For tests: the binding planned for the model. */
    ModelBinding binding() {
        return binding;
    }
}
