package dev.batchscore.pipeline;

import dev.batchscore.operators.NamedModel;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.operators.ScoringSpec;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.JobSettings;
import dev.batchscore.pipeline.config.ModelSetSettings;
import dev.batchscore.pipeline.config.SourceSettings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Step 1 of {@link JobPlan#check} for a job with several models ({@code models.<name>.*}): every
 * model is probed ({@link ModelProbe}: outputs, version, pinned path, input names) and the ensemble
 * is checked against the outputs, all before Kafka or the catalog is touched.
 *
 * @param models each model with its outputs resolved and its path pinned, in name order
 * @param probes each model's probe, in the same order
 */
record MultiModelPlan(List<NamedModel> models, List<ModelProbe> probes) {

    static MultiModelPlan probe(JobSettings settings) {
        List<NamedModel> models = new ArrayList<>();
        List<ModelProbe> probes = new ArrayList<>();
        for (ModelSetSettings.Named named : settings.models().models()) {
            ScoringSpec draft =
                    JobPlan.specBuilder(named.model(), settings.batch(), settings.errors()).build();
            ModelProbe probe;
            try {
                probe = ModelProbe.probe(draft);
            } catch (ConfigException e) {
                throw new ConfigException("models." + named.name() + ": " + e.getMessage(), e);
            }
            models.add(
                    new NamedModel(
                            named.name(),
                            named.role(),
                            draft.toBuilder()
                                    .outputs(probe.outputs())
                                    .modelPath(probe.pinnedPath())
                                    .build()));
            probes.add(probe);
        }
        return new MultiModelPlan(List.copyOf(models), List.copyOf(probes));
    }

    /** The first champion's probe: what the one-model parts of planning look at. */
    ModelProbe championProbe() {
        for (int k = 0; k < models.size(); k++) {
            if (!models.get(k).shadow()) {
                return probes.get(k);
            }
        }
        throw new ConfigException("every models.<name> is a shadow: one must be the champion");
    }

    /** Refuses a combiner the outputs cannot feed, in one line. */
    void checkEnsemble(ScoringSpec spec) {
        if (spec.ensemble() == null) {
            return;
        }
        try {
            spec.ensemble().check(spec.models());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }

    /** Every model's mapping against the sampled records (the champion's was checked already). */
    void checkInputs(SourceSettings source, List<byte[]> samples) {
        for (int k = 0; k < models.size(); k++) {
            ModelProbe probe = probes.get(k);
            try {
                source.format()
                        .checkInputs(
                                models.get(k)
                                        .spec()
                                        .readerSpec(
                                                probe.fields(), probe.exampleInput().orElse(null)),
                                samples);
            } catch (FormatException e) {
                throw new ConfigException(
                        "models." + models.get(k).name() + ": " + e.getMessage(), e);
            }
        }
    }

    /** The record fields any model reads: not passthrough columns by default. */
    Set<String> inputFields() {
        Set<String> out = new LinkedHashSet<>();
        probes.forEach(p -> out.addAll(p.inputFields()));
        return out;
    }

    /**
     * The columns the models write (outputs, versions, ensemble): no passthrough may shadow them.
     */
    Set<String> columns(ScoringSpec spec) {
        return new HashSet<>(ScoredRows.multiModelColumns(spec));
    }

    /** The run ledger's model version: {@code a=3,b=unversioned}. */
    String version() {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < models.size(); k++) {
            sb.append(k == 0 ? "" : ",")
                    .append(models.get(k).name())
                    .append('=')
                    .append(probes.get(k).version());
        }
        return sb.toString();
    }
}
