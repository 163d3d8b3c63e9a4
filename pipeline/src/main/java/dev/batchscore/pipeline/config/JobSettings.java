package dev.batchscore.pipeline.config;

import java.util.Objects;

/**
 * Every setting of one scoring job, typed and checked: what {@link JobConfig} resolves from the
 * command line and the config file, and what {@code BatchScoringJob.builder()} assembles in code.
 * Each part checks its own values when it is made; this record checks how they fit together.
 */
public record JobSettings(
        SourceSettings source,
        ModelSettings model,
        BatchSettings batch,
        SinkSettings sink,
        ErrorSettings errors,
        RunSettings run,
        ExecutionSettings execution,
        ModelSetSettings models,
        QualitySettings quality) {

    /** A one-model job ({@link ModelSetSettings#none()}) without {@code quality.*} checks. */
    public JobSettings(
            SourceSettings source,
            ModelSettings model,
            BatchSettings batch,
            SinkSettings sink,
            ErrorSettings errors,
            RunSettings run,
            ExecutionSettings execution) {
        this(
                source,
                model,
                batch,
                sink,
                errors,
                run,
                execution,
                ModelSetSettings.none(),
                QualitySettings.defaults());
    }

    public JobSettings {
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(errors, "errors");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(execution, "execution");
        Objects.requireNonNull(quality, "quality");
        if (execution.batchMode() && !source.bounded()) {
            throw new ConfigException(
                    "execution.runtime-mode 'batch' needs a bounded source but source.kafka.bounded"
                            + " is false: set execution.runtime-mode: streaming or"
                            + " source.kafka.bounded: true");
        }
    }

    /** Reads every part from {@code config}; a bad value is a {@link ConfigException}. */
    static JobSettings from(JobConfig config) {
        // In the order the README's options table lists them, so the first bad key is reported.
        SourceSettings source = SourceSettings.from(config);
        RunSettings run = RunSettings.from(config);
        ModelSetSettings models = ModelSetSettings.from(config);
        ModelSettings model;
        if (models.present()) {
            if (config.getOptional(BatchscoreOptions.MODEL_PATH).isPresent()) {
                throw new ConfigException(
                        "model.path and models.<name>.path are both set: use model.* for one model"
                                + " or models.<name>.* for several, not both");
            }
            // What the one-model parts (_model, logs) see: the champion, named by all.
            model = models.champion().model().withName(models.joinedNames());
        } else {
            model = ModelSettings.from(config);
        }
        BatchSettings batch = BatchSettings.from(config);
        SinkSettings sink = SinkSettings.from(config);
        ErrorSettings errors = ErrorSettings.from(config);
        QualitySettings quality = QualitySettings.from(config);
        ExecutionSettings execution = ExecutionSettings.from(config);
        return new JobSettings(source, model, batch, sink, errors, run, execution, models, quality);
    }

    /**
     * The configured pipeline id: {@code pipeline.id} or the default. Planning resolves the one the
     * run's rows, ledger and claim are kept under with {@code RunPlanner.pipelineId}, which also
     * finds a ledger written under the earlier default.
     */
    public String pipelineId() {
        return run.pipelineId(sink, source);
    }

    public JobSettings withExecution(ExecutionSettings value) {
        return new JobSettings(source, model, batch, sink, errors, run, value, models, quality);
    }

    /** These settings scoring with several models ({@code models.<name>.*}). */
    public JobSettings withModels(ModelSetSettings value) {
        ModelSettings one =
                value.present() ? value.champion().model().withName(value.joinedNames()) : model;
        return new JobSettings(source, one, batch, sink, errors, run, execution, value, quality);
    }

    public JobSettings withQuality(QualitySettings value) {
        return new JobSettings(source, model, batch, sink, errors, run, execution, models, value);
    }
}
