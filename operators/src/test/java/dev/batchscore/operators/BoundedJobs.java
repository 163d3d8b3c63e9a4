package dev.batchscore.operators;

import java.time.Duration;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;

/** The Flink settings of the operator ITs' bounded jobs, in either runtime mode. */
final class BoundedJobs {
    private BoundedJobs() {}

    /**
     * A bounded job in {@code mode}; in STREAMING with a checkpoint every 100 ms, also after tasks
     * finished (as the pipeline runs). Mutable: callers add their own settings.
     */
    static Configuration configuration(RuntimeExecutionMode mode) {
        Configuration config = new Configuration();
        config.set(ExecutionOptions.RUNTIME_MODE, mode);
        if (mode == RuntimeExecutionMode.STREAMING) {
            config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(100));
            config.set(CheckpointingOptions.ENABLE_CHECKPOINTS_AFTER_TASKS_FINISH, true);
        }
        return config;
    }
}
