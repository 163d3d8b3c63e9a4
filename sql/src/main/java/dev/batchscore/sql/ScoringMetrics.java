package dev.batchscore.sql;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * The provider's counters ({@link BatchingPredictFunction#ROWS_SCORED}, ...) per job, for a client
 * that runs its jobs in this JVM (the {@code sql} command's MiniCluster, tests): a Flink metric
 * reporter that keeps the counters it is told of, also after their tasks finished, so the totals of
 * a finished job can be read. {@link #enable} adds it to a cluster configuration.
 */
public final class ScoringMetrics {
    private ScoringMetrics() {}

    private static final String REPORTER = "batchscore_sql";

    // job id -> metric name -> the counters of every subtask (and every attempt)
    private static final Map<String, Map<String, List<Counter>>> COUNTERS =
            new ConcurrentHashMap<>();

    /** Adds the reporter to a MiniCluster's configuration. */
    public static Configuration enable(Configuration conf) {
        conf.setString("metrics.reporter." + REPORTER + ".factory.class", Factory.class.getName());
        return conf;
    }

    /** Rows the model scored in {@code jobId}, so far. */
    public static long rowsScored(String jobId) {
        return total(jobId, BatchingPredictFunction.ROWS_SCORED);
    }

    /** Rows the model rejected in {@code jobId}, so far. */
    public static long rowsRejected(String jobId) {
        return total(jobId, BatchingPredictFunction.ROWS_REJECTED);
    }

    /** Model calls (batches) of {@code jobId}, so far. */
    public static long modelCalls(String jobId) {
        return total(jobId, BatchingPredictFunction.MODEL_CALLS);
    }

    private static long total(String jobId, String name) {
        Map<String, List<Counter>> byName = COUNTERS.get(jobId);
        if (byName == null) {
            return 0;
        }
        return byName.getOrDefault(name, List.of()).stream().mapToLong(Counter::getCount).sum();
    }

    /**
     * The reporter; created by Flink from {@code metrics.reporter.batchscore_sql.factory.class}.
     */
    public static final class Factory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new Reporter();
        }
    }

    private static final class Reporter implements MetricReporter {
        @Override
        public void open(MetricConfig config) {}

        @Override
        public void close() {}

        @Override
        public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
            if (metric instanceof Counter counter
                    && (name.equals(BatchingPredictFunction.ROWS_SCORED)
                            || name.equals(BatchingPredictFunction.ROWS_REJECTED)
                            || name.equals(BatchingPredictFunction.MODEL_CALLS))) {
                String job = group.getAllVariables().get("<job_id>");
                if (job != null) {
                    COUNTERS.computeIfAbsent(job, j -> new ConcurrentHashMap<>())
                            .computeIfAbsent(name, n -> new CopyOnWriteArrayList<>())
                            .add(counter);
                }
            }
        }

        @Override
        public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
            // kept: a finished job's totals are read after its tasks are gone
        }
    }
}
