package dev.batchscore.operators;

import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.TensorSpec;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormats;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the scoring operators need to know: which model and signature, how records map to
 * model inputs, which fields pass through, how big micro-batches are, and the signature's outputs
 * (resolved by the pipeline before the job starts, so the output row type is fixed up front).
 *
 * <p>Immutable and {@link Serializable}: it travels inside the Flink functions.
 *
 * <pre>{@code
 * ScoringSpec spec = ScoringSpec.builder()
 *         .modelPath("/models/half_plus_two")
 *         .signature("serving_default")
 *         .inputMapping(Map.of("x", "feature_x"))
 *         .passthrough(List.of(new PassthroughField("id", PassthroughField.Type.STRING)))
 *         .batchSize(256)
 *         .maxDelay(Duration.ofSeconds(1))
 *         .outputs(scorer.signature().outputs())
 *         .build();
 * }</pre>
 */
public final class ScoringSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_BATCH_SIZE = 256;
    public static final Duration DEFAULT_MAX_DELAY = Duration.ofSeconds(1);

    private final String modelPath;
    private final String modelLocalDir;
    private final List<String> tags;
    private final String signature;
    private final String modelName;
    private final Map<String, String> inputMapping;
    private final List<PassthroughField> passthrough;
    private final RecordFormat format;
    private final int intraOpThreads;
    private final int interOpThreads;
    private final int batchSize;
    private final Duration maxDelay;
    private final int buckets;
    // TensorSpec is not Serializable (models knows nothing of Flink), so outputs travel as
    // OutputSpec.
    private final List<OutputSpec> outputs;
    private final ErrorPolicy errorPolicy;
    private final String pipelineId;
    private final String runId;
    // Benchmarks only (batchscore bench's no-model variant); never set from the job's options.
    private final boolean identityScoring;
    // Several models (models.<name>.*): empty for a one-model job, which the fields above describe.
    private final List<NamedModel> models;
    private final Ensemble ensemble;
    private final ModelFailure onModelFailure;

    private ScoringSpec(Builder b) {
        this.modelPath = b.modelPath;
        this.modelLocalDir = b.modelLocalDir;
        this.tags = Collections.unmodifiableList(new ArrayList<>(b.tags));
        this.signature = b.signature;
        this.modelName = b.modelName != null ? b.modelName : defaultModelName(b.modelPath);
        this.inputMapping = Collections.unmodifiableMap(new LinkedHashMap<>(b.inputMapping));
        this.passthrough = Collections.unmodifiableList(new ArrayList<>(b.passthrough));
        this.format = b.format;
        this.intraOpThreads = b.intraOpThreads;
        this.interOpThreads = b.interOpThreads;
        this.batchSize = b.batchSize;
        this.maxDelay = b.maxDelay;
        this.buckets = b.buckets;
        List<OutputSpec> outs = new ArrayList<>();
        for (TensorSpec t : b.outputs) {
            outs.add(OutputSpec.of(t));
        }
        this.outputs = Collections.unmodifiableList(outs);
        this.errorPolicy = b.errorPolicy;
        this.pipelineId = b.pipelineId;
        this.runId = b.runId;
        this.identityScoring = b.identityScoring;
        this.models = List.copyOf(b.models);
        this.ensemble = b.ensemble;
        this.onModelFailure = b.onModelFailure;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with this spec's values. */
    public Builder toBuilder() {
        return new Builder()
                .modelPath(modelPath)
                .modelLocalDir(modelLocalDir)
                .tags(tags)
                .signature(signature)
                .modelName(modelName)
                .inputMapping(inputMapping)
                .passthrough(passthrough)
                .format(format)
                .intraOpThreads(intraOpThreads)
                .interOpThreads(interOpThreads)
                .batchSize(batchSize)
                .maxDelay(maxDelay)
                .buckets(buckets)
                .outputs(outputs())
                .errorPolicy(errorPolicy)
                .pipelineId(pipelineId)
                .identityScoring(identityScoring)
                .models(models)
                .ensemble(ensemble)
                .onModelFailure(onModelFailure)
                .runId(runId);
    }

    public String modelPath() {
        return modelPath;
    }

    /**
     * Where a model from a remote filesystem is copied ({@link ModelFetcher}); null for the
     * default.
     */
    public String modelLocalDir() {
        return modelLocalDir;
    }

    public List<String> tags() {
        return tags;
    }

    public String signature() {
        return signature;
    }

    /** The value of the {@code _model} column. */
    public String modelName() {
        return modelName;
    }

    /**
     * Signature input (or tf.Example feature) name to record field; unmapped names read their own.
     */
    public Map<String, String> inputMapping() {
        return inputMapping;
    }

    /** The record field a model input reads. */
    public String fieldFor(String inputName) {
        return inputMapping.getOrDefault(inputName, inputName);
    }

    public List<PassthroughField> passthrough() {
        return passthrough;
    }

    /** How record values are read ({@code source.format}); JSON unless set. */
    public RecordFormat format() {
        return format;
    }

    /**
     * What a {@link RecordFormat} reader fills for this spec: the model's {@code fields}, the
     * mapping and the passthrough columns.
     *
     * @param serializedExampleInput the signature input that takes serialized {@code tf.Example}s,
     *     or null
     */
    public RecordFormat.ReaderSpec readerSpec(
            List<FieldSpec> fields, String serializedExampleInput) {
        return new RecordFormat.ReaderSpec(
                fields, inputMapping, passthrough, serializedExampleInput);
    }

    public int intraOpThreads() {
        return intraOpThreads;
    }

    public int interOpThreads() {
        return interOpThreads;
    }

    public int batchSize() {
        return batchSize;
    }

    public Duration maxDelay() {
        return maxDelay;
    }

    /** The configured bucket count; 0 means {@link #effectiveBuckets derived}. */
    public int buckets() {
        return buckets;
    }

    /** The bucket count used at {@code parallelism}: the configured one, or 4 x parallelism. */
    public int effectiveBuckets(int parallelism) {
        return buckets > 0 ? buckets : 4 * parallelism;
    }

    /** The signature outputs, in signature order. */
    public List<TensorSpec> outputs() {
        List<TensorSpec> specs = new ArrayList<>(outputs.size());
        for (OutputSpec o : outputs) {
            specs.add(o.toTensorSpec());
        }
        return Collections.unmodifiableList(specs);
    }

    /** What happens to records that cannot be decoded, encoded or scored. */
    public ErrorPolicy errorPolicy() {
        return errorPolicy;
    }

    /** The value of the {@code _pipeline_id} column; empty outside a pipeline. */
    public String pipelineId() {
        return pipelineId;
    }

    /** The value of the {@code _run_id} column; empty outside a pipeline. */
    public String runId() {
        return runId;
    }

    /**
     * Whether the score operator skips the model call and emits each record's first input as every
     * output ({@link IdentityScorer}): the pipeline's own ceiling, measured by {@code batchscore
     * bench}. The model is still loaded and checked.
     */
    public boolean identityScoring() {
        return identityScoring;
    }

    /**
     * The models of a job that scores with several ({@code models.<name>.*}), in name order; empty
     * for a one-model job.
     */
    public List<NamedModel> models() {
        return models;
    }

    /** Whether this job scores with several named models ({@link #models}). */
    public boolean multiModel() {
        return !models.isEmpty();
    }

    /** The combiner over the models' outputs, or null. */
    public Ensemble ensemble() {
        return ensemble;
    }

    /**
     * What a champion model's failure does to the record's row ({@code errors.on-model-failure}).
     */
    public ModelFailure onModelFailure() {
        return onModelFailure;
    }

    /** How {@code ModelRegistry.acquire} should load the model. */
    public ModelOptions modelOptions() {
        return ModelOptions.defaults()
                .withTags(new java.util.LinkedHashSet<>(tags))
                .withThreads(intraOpThreads, interOpThreads)
                .withAllowNonFinite(errorPolicy.allowNonFinite());
    }

    @Override
    public String toString() {
        return "ScoringSpec{modelPath="
                + modelPath
                + (modelLocalDir == null ? "" : ", modelLocalDir=" + modelLocalDir)
                + ", tags="
                + tags
                + ", signature="
                + signature
                + ", modelName="
                + modelName
                + ", inputMapping="
                + inputMapping
                + ", passthrough="
                + passthrough
                + ", format="
                + format
                + ", threads="
                + intraOpThreads
                + "/"
                + interOpThreads
                + ", batchSize="
                + batchSize
                + ", maxDelay="
                + maxDelay
                + ", buckets="
                + buckets
                + ", outputs="
                + outputs
                + ", errorPolicy="
                + errorPolicy
                + ", pipelineId="
                + pipelineId
                + ", runId="
                + runId
                + (models.isEmpty()
                        ? ""
                        : ", models="
                                + models
                                + ", ensemble="
                                + ensemble
                                + ", onModelFailure="
                                + onModelFailure)
                + '}';
    }

    private static String defaultModelName(String modelPath) {
        Path fileName = Path.of(modelPath).getFileName();
        return fileName == null ? modelPath : fileName.toString();
    }

    private record OutputSpec(
            String key, String tensorName, DType dtype, String rawDtype, ArrayList<Long> shape)
            implements Serializable {
        static OutputSpec of(TensorSpec t) {
            return new OutputSpec(
                    t.key(),
                    t.tensorName(),
                    t.dtype(),
                    t.rawDtype(),
                    t.shape() == null ? null : new ArrayList<>(t.shape()));
        }

        TensorSpec toTensorSpec() {
            return new TensorSpec(
                    key, tensorName, dtype, rawDtype, shape == null ? null : List.copyOf(shape));
        }
    }

    /** Builds a {@link ScoringSpec}; {@link #build()} checks every value and names the fix. */
    public static final class Builder {
        private String modelPath;
        private String modelLocalDir;
        private List<String> tags = List.of(ModelOptions.DEFAULT_TAG);
        private String signature = ModelOptions.DEFAULT_SIGNATURE;
        private String modelName;
        private Map<String, String> inputMapping = Map.of();
        private List<PassthroughField> passthrough = List.of();
        private RecordFormat format = RecordFormats.json();
        private int intraOpThreads;
        private int interOpThreads;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private Duration maxDelay = DEFAULT_MAX_DELAY;
        private int buckets;
        private List<TensorSpec> outputs = List.of();
        private ErrorPolicy errorPolicy = ErrorPolicy.defaults();
        private String pipelineId = "";
        private String runId = "";
        private boolean identityScoring;
        private List<NamedModel> models = List.of();
        private Ensemble ensemble;
        private ModelFailure onModelFailure = ModelFailure.DROP_ROW;

        private Builder() {}

        /**
         * Scores with several named models instead of one (written in name order). Each model's own
         * spec carries its path, tags, signature, mapping and outputs; the top-level model fields
         * then only name the first model, for logs.
         */
        public Builder models(List<NamedModel> models) {
            List<NamedModel> sorted = new ArrayList<>(models);
            sorted.sort(java.util.Comparator.comparing(NamedModel::name));
            this.models = List.copyOf(sorted);
            return this;
        }

        /** Combines the champion models' outputs into one more column; null for none. */
        public Builder ensemble(Ensemble ensemble) {
            this.ensemble = ensemble;
            return this;
        }

        /** See {@link ModelFailure}; {@code drop-row} unless set. */
        public Builder onModelFailure(ModelFailure onModelFailure) {
            this.onModelFailure = Objects.requireNonNull(onModelFailure, "onModelFailure");
            return this;
        }

        public Builder modelPath(String modelPath) {
            this.modelPath = modelPath;
            return this;
        }

        /** The local directory remote models are copied to; null for {@link ModelFetcher}'s. */
        public Builder modelLocalDir(String modelLocalDir) {
            this.modelLocalDir = modelLocalDir;
            return this;
        }

        public Builder tags(List<String> tags) {
            this.tags = List.copyOf(tags);
            return this;
        }

        public Builder signature(String signature) {
            this.signature = signature;
            return this;
        }

        /** The {@code _model} column value; the model directory's name by default. */
        public Builder modelName(String modelName) {
            this.modelName = modelName;
            return this;
        }

        public Builder inputMapping(Map<String, String> inputMapping) {
            this.inputMapping = new LinkedHashMap<>(inputMapping);
            return this;
        }

        public Builder passthrough(List<PassthroughField> passthrough) {
            this.passthrough = List.copyOf(passthrough);
            return this;
        }

        /** How record values are read; {@link RecordFormats#json()} unless set. */
        public Builder format(RecordFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        public Builder intraOpThreads(int intraOpThreads) {
            this.intraOpThreads = intraOpThreads;
            return this;
        }

        public Builder interOpThreads(int interOpThreads) {
            this.interOpThreads = interOpThreads;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder maxDelay(Duration maxDelay) {
            this.maxDelay = maxDelay;
            return this;
        }

        /** Micro-batch buckets; 0 derives 4 x parallelism. */
        public Builder buckets(int buckets) {
            this.buckets = buckets;
            return this;
        }

        public Builder outputs(List<TensorSpec> outputs) {
            this.outputs = List.copyOf(outputs);
            return this;
        }

        /** What happens to bad records; {@link ErrorPolicy#defaults()} dead-letters them. */
        public Builder errorPolicy(ErrorPolicy errorPolicy) {
            this.errorPolicy = Objects.requireNonNull(errorPolicy, "errorPolicy");
            return this;
        }

        /** Written to every row's {@code _pipeline_id}. */
        public Builder pipelineId(String pipelineId) {
            this.pipelineId = Objects.requireNonNull(pipelineId, "pipelineId");
            return this;
        }

        /** Written to every row's {@code _run_id}. */
        public Builder runId(String runId) {
            this.runId = Objects.requireNonNull(runId, "runId");
            return this;
        }

        /** Benchmarks only: see {@link ScoringSpec#identityScoring()}. */
        public Builder identityScoring(boolean identity) {
            this.identityScoring = identity;
            return this;
        }

        public ScoringSpec build() {
            require(
                    modelPath != null && !modelPath.isBlank(),
                    "modelPath is not set; set it to the SavedModel directory");
            require(
                    tags != null && !tags.isEmpty(),
                    "tags is empty; the SavedModel tag set is usually [serve]");
            require(
                    signature != null && !signature.isBlank(),
                    "signature is blank; use e.g. serving_default");
            require(batchSize > 0, "batchSize is " + batchSize + "; it must be at least 1");
            require(
                    maxDelay != null && !maxDelay.isNegative() && !maxDelay.isZero(),
                    "maxDelay is " + maxDelay + "; it must be positive, e.g. PT1S");
            require(buckets >= 0, "buckets is " + buckets + "; use 0 to derive 4 x parallelism");
            require(
                    intraOpThreads >= 0 && interOpThreads >= 0,
                    "thread counts are "
                            + intraOpThreads
                            + "/"
                            + interOpThreads
                            + "; they must be >= 0 (0 lets TensorFlow choose)");
            for (Map.Entry<String, String> e : inputMapping.entrySet()) {
                require(
                        e.getKey() != null && e.getValue() != null && !e.getValue().isBlank(),
                        "inputMapping entry " + e + " has an empty name");
            }
            Objects.requireNonNull(outputs, "outputs");
            java.util.Set<String> seen = new java.util.HashSet<>();
            boolean champion = false;
            for (NamedModel m : models) {
                require(
                        seen.add(m.name().toLowerCase(java.util.Locale.ROOT)),
                        "two models are named '"
                                + m.name()
                                + "' (names are column prefixes, compared ignoring case)");
                champion |= !m.shadow();
            }
            require(
                    models.isEmpty() || champion,
                    "every model is a shadow; at least one model must be the champion (leave"
                            + " models.<name>.role unset for it)");
            require(
                    ensemble == null || !models.isEmpty(),
                    "ensemble.* combines several models; declare them with models.<name>.path");
            return new ScoringSpec(this);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException("invalid scoring spec: " + message);
            }
        }
    }
}
