package dev.batchscore.sql;

import static dev.batchscore.sql.TensorflowOptions.INPUT_PREFIX;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.ModelProvider;

/**
 * {@code 'provider' = 'tensorflow'}: TensorFlow SavedModels for {@code CREATE MODEL} and {@code
 * ML_PREDICT}, batched, loaded once per TaskManager.
 *
 * <pre>{@code
 * CREATE MODEL sentiment
 *   INPUT (review_text STRING)
 *   OUTPUT (sentiment FLOAT)
 *   WITH ('provider' = 'tensorflow', 'path' = '/models/sentiment', 'input.text' = 'review_text');
 * SELECT review_id, sentiment FROM ML_PREDICT(TABLE reviews, MODEL sentiment, DESCRIPTOR(review_text));
 * }</pre>
 *
 * <p>Called when a query using the model is planned: the model is loaded on the client and INPUT
 * and OUTPUT are checked against its signature ({@link ModelSchemaCheck}).
 */
public final class TensorflowModelProviderFactory implements ModelProviderFactory {

    @Override
    public String factoryIdentifier() {
        return TensorflowOptions.IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(TensorflowOptions.PATH);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        Set<ConfigOption<?>> options = new LinkedHashSet<>(TensorflowOptions.ALL);
        options.remove(TensorflowOptions.PATH);
        options.remove(TensorflowOptions.INPUT_MAPPING);
        return options;
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper =
                FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validateExcept(INPUT_PREFIX);
        ReadableConfig options = helper.getOptions();
        ResolvedCatalogModel model = context.getCatalogModel();

        Map<String, String> mapping = new HashMap<>();
        for (Map.Entry<String, String> e : model.getOptions().entrySet()) {
            if (e.getKey().startsWith(INPUT_PREFIX)) {
                mapping.put(e.getKey().substring(INPUT_PREFIX.length()), e.getValue());
            }
        }
        ModelSchemaCheck.Settings settings =
                new ModelSchemaCheck.Settings(
                        options.get(TensorflowOptions.PATH),
                        new ScoringSettings(
                                options.get(TensorflowOptions.SIGNATURE),
                                new LinkedHashSet<>(options.get(TensorflowOptions.TAGS)),
                                options.get(TensorflowOptions.INTRA_OP_THREADS),
                                options.get(TensorflowOptions.INTER_OP_THREADS),
                                options.get(TensorflowOptions.BATCH_SIZE),
                                options.get(TensorflowOptions.BATCH_MAX_DELAY)),
                        mapping,
                        options.getOptional(TensorflowOptions.ERROR_COLUMN).orElse(null));
        ModelBinding binding =
                ModelSchemaCheck.bind(
                        context.getObjectIdentifier().getObjectName(),
                        model.getResolvedInputSchema(),
                        model.getResolvedOutputSchema(),
                        settings);
        return new TensorflowModelProvider(binding, context.getConfiguration());
    }
}
