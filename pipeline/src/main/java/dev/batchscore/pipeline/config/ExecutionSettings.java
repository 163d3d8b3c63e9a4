package dev.batchscore.pipeline.config;

import static dev.batchscore.pipeline.config.BatchscoreOptions.*;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;

/**
 * The {@code execution.*} and {@code parallelism} options, and the Flink {@link Configuration} they
 * make ({@link #flinkConfiguration()}).
 *
 * @param parallelism the job parallelism, or null for the environment's
 * @param checkpointDir durable checkpoint storage, or null for the JobManager's memory
 * @param stateRecoveryPath the savepoint to resume from, or null
 * @param flinkProperties Flink configuration keys passed through as is ({@code flink.*}, without
 *     the prefix)
 */
public record ExecutionSettings(
        RuntimeExecutionMode runtimeMode,
        Integer parallelism,
        Duration checkpointInterval,
        String checkpointDir,
        int restartAttempts,
        Duration restartDelay,
        String stateRecoveryPath,
        Map<String, String> flinkProperties) {

    public ExecutionSettings {
        Objects.requireNonNull(runtimeMode, EXECUTION_RUNTIME_MODE.key());
        Objects.requireNonNull(checkpointInterval, EXECUTION_CHECKPOINTING_INTERVAL.key());
        Objects.requireNonNull(restartDelay, EXECUTION_RESTART_DELAY.key());
        if (runtimeMode == RuntimeExecutionMode.AUTOMATIC) {
            throw ConfigException.invalid(
                    EXECUTION_RUNTIME_MODE, "automatic", "expected batch or streaming");
        }
        if (parallelism != null && parallelism <= 0) {
            throw ConfigException.invalid(PARALLELISM, parallelism, "expected a positive number");
        }
        if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
            throw ConfigException.invalid(
                    EXECUTION_CHECKPOINTING_INTERVAL,
                    checkpointInterval,
                    "expected a positive duration: the Iceberg sink commits on checkpoints");
        }
        if (restartAttempts < 0) {
            throw ConfigException.invalid(
                    EXECUTION_RESTART_MAX_ATTEMPTS, restartAttempts, "expected 0 or more");
        }
        if (restartDelay.isNegative()) {
            throw ConfigException.invalid(
                    EXECUTION_RESTART_DELAY, restartDelay, "expected 0 s or a positive duration");
        }
        if (stateRecoveryPath != null && stateRecoveryPath.isBlank()) {
            stateRecoveryPath = null;
        }
        flinkProperties =
                flinkProperties == null
                        ? Map.of()
                        : Collections.unmodifiableMap(new LinkedHashMap<>(flinkProperties));
    }

    /** Streaming, checkpoints every 10 s, 3 restarts 2 s apart, the environment's parallelism. */
    public static ExecutionSettings defaults() {
        return new ExecutionSettings(
                EXECUTION_RUNTIME_MODE.defaultValue(),
                null,
                EXECUTION_CHECKPOINTING_INTERVAL.defaultValue(),
                null,
                EXECUTION_RESTART_MAX_ATTEMPTS.defaultValue(),
                EXECUTION_RESTART_DELAY.defaultValue(),
                null,
                Map.of());
    }

    static ExecutionSettings from(JobConfig config) {
        return new ExecutionSettings(
                config.get(EXECUTION_RUNTIME_MODE),
                config.getOptional(PARALLELISM).orElse(null),
                config.get(EXECUTION_CHECKPOINTING_INTERVAL),
                config.getOptional(EXECUTION_CHECKPOINTING_DIR).orElse(null),
                config.get(EXECUTION_RESTART_MAX_ATTEMPTS),
                config.get(EXECUTION_RESTART_DELAY),
                config.getOptional(EXECUTION_STATE_RECOVERY_PATH).orElse(null),
                config.prefixed(FLINK));
    }

    public ExecutionSettings withRuntimeMode(RuntimeExecutionMode mode) {
        return new Copy(this).edit(c -> c.runtimeMode = mode);
    }

    public ExecutionSettings withParallelism(Integer p) {
        return new Copy(this).edit(c -> c.parallelism = p);
    }

    public ExecutionSettings withCheckpointInterval(Duration interval) {
        return new Copy(this).edit(c -> c.checkpointInterval = interval);
    }

    public ExecutionSettings withCheckpointDir(String dir) {
        return new Copy(this).edit(c -> c.checkpointDir = dir);
    }

    public ExecutionSettings withRestarts(int attempts, Duration delay) {
        return new Copy(this)
                .edit(
                        c -> {
                            c.restartAttempts = attempts;
                            c.restartDelay = delay;
                        });
    }

    /** Resume from this savepoint (or retained checkpoint). */
    public ExecutionSettings withStateRecoveryPath(String path) {
        return new Copy(this).edit(c -> c.stateRecoveryPath = path);
    }

    /** With these Flink configuration keys passed through (replacing the current ones). */
    public ExecutionSettings withFlinkProperties(Map<String, String> props) {
        return new Copy(this).edit(c -> c.flinkProperties = props);
    }

    public boolean batchMode() {
        return runtimeMode == RuntimeExecutionMode.BATCH;
    }

    /** Whether the job restores a savepoint or retained checkpoint. */
    public boolean resuming() {
        return stateRecoveryPath != null;
    }

    /** The Flink configuration the execution environment is created with. */
    public Configuration flinkConfiguration() {
        // The flink.* pass-through first: batchscore's own options below win over the same key.
        Configuration conf = Configuration.fromMap(flinkProperties);
        conf.set(ExecutionOptions.RUNTIME_MODE, runtimeMode);
        // Every operator of the job emits fresh objects and never touches them again, so chained
        // operators may share them instead of deep-copying each batch and row (a tenth of the
        // scoring thread's CPU); flink.pipeline.object-reuse: false still turns it off.
        if (!flinkProperties.containsKey(PipelineOptions.OBJECT_REUSE.key())) {
            conf.set(PipelineOptions.OBJECT_REUSE, true);
        }
        if (parallelism != null) {
            conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        }
        if (!batchMode()) {
            conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, checkpointInterval);
        }
        if (checkpointDir != null) {
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
        }
        // Flink's default with checkpointing is to restart forever: a deterministic failure would
        // hang the run instead of failing it. A bounded number of restarts rides out a lost
        // TaskManager; the exactly-once guarantee comes from checkpoints, not from this number.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restartAttempts);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, restartDelay);
        if (stateRecoveryPath != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, stateRecoveryPath);
        }
        // Without the final checkpoint after the source finishes, the Iceberg committer never sees
        // the rows written since the last periodic checkpoint: they would be lost.
        conf.set(CheckpointingOptions.ENABLE_CHECKPOINTS_AFTER_TASKS_FINISH, true);
        return conf;
    }

    /** The fields of these settings, for the {@code withX} methods. */
    private static final class Copy extends SettingsCopy<ExecutionSettings, Copy> {
        RuntimeExecutionMode runtimeMode;
        Integer parallelism;
        Duration checkpointInterval;
        String checkpointDir;
        int restartAttempts;
        Duration restartDelay;
        String stateRecoveryPath;
        Map<String, String> flinkProperties;

        Copy(ExecutionSettings s) {
            runtimeMode = s.runtimeMode;
            parallelism = s.parallelism;
            checkpointInterval = s.checkpointInterval;
            checkpointDir = s.checkpointDir;
            restartAttempts = s.restartAttempts;
            restartDelay = s.restartDelay;
            stateRecoveryPath = s.stateRecoveryPath;
            flinkProperties = s.flinkProperties;
        }

        @Override
        ExecutionSettings settings() {
            return new ExecutionSettings(
                    runtimeMode,
                    parallelism,
                    checkpointInterval,
                    checkpointDir,
                    restartAttempts,
                    restartDelay,
                    stateRecoveryPath,
                    flinkProperties);
        }
    }
}
