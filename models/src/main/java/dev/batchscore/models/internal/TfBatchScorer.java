package dev.batchscore.models.internal;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.ModelException;
import dev.batchscore.models.RecordError;
import dev.batchscore.models.ScoreResult;
import dev.batchscore.models.SignatureSpec;
import dev.batchscore.models.TensorSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;

/**
 * Scores records through one signature of a {@link LoadedModel}: records are read and checked one
 * by one, the valid ones are fed in one session run, and a run TensorFlow rejects is bisected to
 * find the records at fault. Thread-safe: TensorFlow sessions are, and the only mutable state is
 * whether the model takes batches.
 */
final class TfBatchScorer implements BatchScorer {
    private static final Logger LOG = LoggerFactory.getLogger(TfBatchScorer.class);

    /** How rows go to the model. */
    enum Batching {
        /** Every input declares a batch dimension. */
        DECLARED,
        /** Some input declares none (TF2 exports often say {@code [1]}); a batch is tried first. */
        UNTRIED,
        /** A batch worked although not declared. */
        ACCEPTED,
        /** The model rejected batches: one record per session run. */
        REJECTED
    }

    private final LoadedModel model;
    private final SignatureSpec signature;
    private final List<InputEncoder> encoders;
    private final List<FieldSpec> fields;
    private volatile Batching batching;

    private TfBatchScorer(LoadedModel model, SignatureSpec signature, List<InputEncoder> encoders) {
        this.model = model;
        this.signature = signature;
        this.encoders = encoders;
        List<FieldSpec> f = new ArrayList<>();
        for (InputEncoder e : encoders) {
            f.addAll(e.fields());
        }
        this.fields = List.copyOf(f);
        this.batching =
                encoders.stream().allMatch(InputEncoder::declaresBatch)
                        ? Batching.DECLARED
                        : Batching.UNTRIED;
    }

    static TfBatchScorer create(LoadedModel model, String key) {
        Map<String, SignatureDef> defs = model.signatureDefs();
        SignatureDef def = defs.get(key);
        if (def == null) {
            throw new ModelException(
                    "signature '"
                            + key
                            + "' not found in "
                            + model.exportDir()
                            + "; signatures found: "
                            + (defs.isEmpty() ? "none" : String.join(", ", defs.keySet()))
                            + "; choose one of them");
        }
        SignatureSpec spec = LoadedModel.toSpec(key, def);
        String problem = problem(model, spec);
        if (problem != null) {
            List<String> usable = new ArrayList<>();
            for (Map.Entry<String, SignatureDef> e : defs.entrySet()) {
                if (!e.getKey().equals(key)
                        && problem(model, LoadedModel.toSpec(e.getKey(), e.getValue())) == null) {
                    usable.add(e.getKey());
                }
            }
            throw new ModelException(
                    problem
                            + "; usable signatures of "
                            + model.exportDir()
                            + ": "
                            + (usable.isEmpty() ? "none" : String.join(", ", usable)));
        }
        List<InputEncoder> encoders = new ArrayList<>();
        for (TensorSpec in : spec.inputs()) {
            boolean allowNonFinite = model.options().allowNonFinite();
            encoders.add(
                    ExampleInputEncoder.detect(in, model.metaGraph().getGraphDef(), allowNonFinite)
                            .<InputEncoder>map(e -> e)
                            .orElseGet(() -> new PlainInputEncoder(in, allowNonFinite)));
        }
        return new TfBatchScorer(model, spec, List.copyOf(encoders));
    }

    /** Why this signature cannot be scored, or null. Only the chosen signature is checked. */
    private static String problem(LoadedModel model, SignatureSpec spec) {
        String sig = "signature '" + spec.key() + "'";
        if (spec.inputs().isEmpty()) {
            return sig
                    + " has no inputs, so no record can be fed to it: batchscore scores one output row"
                    + " per input record (stateful no-input signatures like a counter are not batch scoring);"
                    + " choose a signature with inputs";
        }
        if (spec.outputs().isEmpty()) {
            return sig + " has no outputs; choose a signature with outputs";
        }
        Graph graph = model.graph();
        for (boolean isInput : new boolean[] {true, false}) {
            for (TensorSpec t : isInput ? spec.inputs() : spec.outputs()) {
                String what = (isInput ? "input '" : "output '") + t.key() + "'";
                if (t.dtype() == DType.UNSUPPORTED) {
                    return sig
                            + " "
                            + what
                            + " is "
                            + t.rawDtype()
                            + ", which batchscore cannot "
                            + (isInput ? "encode" : "decode")
                            + " (it handles DT_FLOAT, DT_DOUBLE, DT_INT32,"
                            + " DT_INT64, DT_BOOL, DT_STRING); re-export the signature with one of those";
                }
                if (t.tensorName().isEmpty()) {
                    return sig
                            + " "
                            + what
                            + " is a sparse or composite tensor, which batchscore cannot "
                            + (isInput ? "feed" : "fetch")
                            + "; re-export it as a dense tensor";
                }
                DataType actual = graphType(graph, t.tensorName());
                if (actual == null) {
                    return sig
                            + " "
                            + what
                            + " names tensor "
                            + t.tensorName()
                            + ", which the graph does not"
                            + " have; the SavedModel is inconsistent, re-export it";
                }
                if (TfTypes.baseType(actual) != TfTypes.baseType(DataType.valueOf(t.rawDtype()))) {
                    return sig
                            + " is inconsistent with its graph: "
                            + what
                            + " declares "
                            + t.rawDtype()
                            + " but tensor "
                            + t.tensorName()
                            + " is "
                            + actual.name()
                            + " (TensorFlow's own loader refuses the whole model for this); use another signature"
                            + " or re-export the model";
                }
            }
        }
        return null;
    }

    private static DataType graphType(Graph graph, String tensorName) {
        String op = TfTypes.opName(tensorName);
        int index = 0;
        if (!op.equals(tensorName)) {
            index = Integer.parseInt(tensorName.substring(op.length() + 1));
        }
        GraphOperation operation = graph.operation(op);
        if (operation == null || index >= operation.numOutputs()) {
            return null;
        }
        return operation.output(index).dataType();
    }

    @Override
    public SignatureSpec signature() {
        return signature;
    }

    @Override
    public List<FieldSpec> fields() {
        return fields;
    }

    @Override
    public Optional<String> serializedExampleInput() {
        return encoders.size() == 1 && encoders.get(0) instanceof ExampleInputEncoder e
                ? Optional.of(e.input().key())
                : Optional.empty();
    }

    @Override
    public boolean batchesRecords() {
        return batching != Batching.REJECTED;
    }

    Batching batching() {
        return batching;
    }

    @Override
    public ScoreResult score(List<? extends Map<String, ?>> records) {
        if (model.isClosed()) {
            throw new IllegalStateException(
                    "model "
                            + model.exportDir()
                            + " is closed: every handle on it was"
                            + " closed; a scorer is usable while a handle from ModelRegistry.acquire is open");
        }
        int n = records.size();
        Object[] outputs = new Object[n];
        RecordError[] errors = new RecordError[n];
        RowValue[][] rows = new RowValue[n][];
        List<Integer> valid = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Map<String, ?> record = records.get(i);
            if (record == null) {
                errors[i] = new RecordError(RecordError.Stage.ENCODE, "record is null");
                continue;
            }
            RowValue[] row = new RowValue[encoders.size()];
            try {
                for (int j = 0; j < row.length; j++) {
                    row[j] = encoders.get(j).read(record);
                }
                rows[i] = row;
                valid.add(i);
            } catch (EncodeException e) {
                errors[i] = new RecordError(RecordError.Stage.ENCODE, e.getMessage());
            }
        }
        Batching mode = batching;
        if (!valid.isEmpty()) {
            if (mode == Batching.REJECTED) {
                Runs runs = new Runs();
                for (int i : valid) {
                    runBisect(List.of(i), false, rows, outputs, errors, runs);
                }
            } else {
                valid = agreeOnShapes(valid, rows, errors);
                if (mode == Batching.UNTRIED) {
                    tryBatch(valid, rows, outputs, errors);
                } else {
                    runBisect(valid, true, rows, outputs, errors, new Runs());
                }
            }
        }
        List<Map<String, Object>> out = new ArrayList<>(n);
        for (Object o : outputs) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) o;
            out.add(m);
        }
        return new ScoreResult(out, Arrays.asList(errors));
    }

    /**
     * Rows fed together must agree on free dimensions. The most common shape in the batch wins; the
     * odd rows get an ENCODE error.
     */
    private List<Integer> agreeOnShapes(
            List<Integer> valid, RowValue[][] rows, RecordError[] errors) {
        List<Integer> kept = valid;
        for (int j = 0; j < encoders.size(); j++) {
            InputEncoder enc = encoders.get(j);
            if (!enc.variableShape() || kept.size() < 2) {
                continue;
            }
            Map<String, Integer> counts = new HashMap<>();
            String best = null;
            int bestCount = 0;
            for (int i : kept) {
                String s = Arrays.toString(rows[i][j].shape());
                int c = counts.merge(s, 1, Integer::sum);
                if (c > bestCount) {
                    best = s;
                    bestCount = c;
                }
            }
            if (counts.size() == 1) {
                continue;
            }
            List<Integer> next = new ArrayList<>(kept.size());
            for (int i : kept) {
                long[] shape = rows[i][j].shape();
                if (Arrays.toString(shape).equals(best)) {
                    next.add(i);
                } else {
                    errors[i] =
                            new RecordError(
                                    RecordError.Stage.ENCODE,
                                    "model input '"
                                            + enc.input().key()
                                            + "' expects "
                                            + enc.input().describeType()
                                            + "; field '"
                                            + enc.input().key()
                                            + "' has shape "
                                            + TfTypes.shapeString(shape)
                                            + " but the other rows of its batch have "
                                            + best.replace(" ", "")
                                            + ", and one tensor needs one shape");
                }
            }
            kept = next;
        }
        return kept;
    }

    /**
     * The signature declares no batch dimension: try a batch. The model accepts batches when a run
     * of two or more rows works. When only single rows work, it takes no batches: from then on
     * every record is its own run, fed in the signature's declared shape.
     */
    private void tryBatch(
            List<Integer> valid, RowValue[][] rows, Object[] outputs, RecordError[] errors) {
        RecordError[] batchErrors = new RecordError[errors.length];
        Runs batched = new Runs();
        runBisect(valid, true, rows, outputs, batchErrors, batched);
        if (batched.largest >= 2) {
            if (batching == Batching.UNTRIED) {
                batching = Batching.ACCEPTED;
                LOG.info(
                        "Signature '{}' of {} declares no batch dimension but accepts batches; scoring in batches",
                        signature.key(),
                        model.exportDir());
            }
            copyErrors(valid, batchErrors, errors);
            return;
        }
        if (valid.size() < 2 && batched.scored > 0) {
            // One row tells nothing about batches.
            copyErrors(valid, batchErrors, errors);
            return;
        }
        List<Integer> failed = new ArrayList<>();
        for (int i : valid) {
            if (batchErrors[i] != null) {
                failed.add(i);
            }
        }
        RecordError[] singleErrors = new RecordError[errors.length];
        Runs single = new Runs();
        for (int i : failed) {
            runBisect(List.of(i), false, rows, outputs, singleErrors, single);
        }
        if (batched.scored + single.scored == 0) {
            copyErrors(valid, batchErrors, errors);
            return;
        }
        for (int i : valid) {
            errors[i] = failed.contains(i) ? singleErrors[i] : null;
        }
        if (batching != Batching.REJECTED) {
            batching = Batching.REJECTED;
            LOG.warn(
                    "Signature '{}' of {} rejects batches ({}); scoring one record per model call from now on,"
                            + " which is much slower: re-export the model with a batch dimension (-1) on its inputs",
                    signature.key(),
                    model.exportDir(),
                    batched.firstFailure);
        }
    }

    private static void copyErrors(List<Integer> rows, RecordError[] from, RecordError[] to) {
        for (int i : rows) {
            if (from[i] != null) {
                to[i] = from[i];
            }
        }
    }

    /** What a bisecting run achieved: rows scored and the largest run that worked. */
    private static final class Runs {
        int scored;
        int largest;
        String firstFailure;
    }

    /** Runs these rows; on rejection splits them in halves down to single rows. */
    private void runBisect(
            List<Integer> idx,
            boolean batched,
            RowValue[][] rows,
            Object[] outputs,
            RecordError[] errors,
            Runs runs) {
        try {
            Object[][] decoded = run(idx, batched, rows);
            for (int k = 0; k < idx.size(); k++) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int o = 0; o < signature.outputs().size(); o++) {
                    m.put(signature.outputs().get(o).key(), decoded[o][k]);
                }
                outputs[idx.get(k)] = Collections.unmodifiableMap(m);
            }
            runs.scored += idx.size();
            runs.largest = Math.max(runs.largest, idx.size());
        } catch (TensorFlowException
                | IllegalArgumentException
                | UnsupportedOperationException
                | OutputDecoder.NoBatchDimension e) {
            // TensorFlow reports bad input as TFInvalidArgumentException, an
            // IllegalArgumentException.
            if (runs.firstFailure == null) {
                runs.firstFailure = TfTypes.firstLine(e.getMessage());
            }
            if (idx.size() == 1) {
                errors[idx.get(0)] =
                        new RecordError(
                                RecordError.Stage.SCORE,
                                "signature '"
                                        + signature.key()
                                        + "' failed on this record: "
                                        + TfTypes.firstLine(e.getMessage()));
                return;
            }
            int mid = idx.size() / 2;
            runBisect(idx.subList(0, mid), batched, rows, outputs, errors, runs);
            runBisect(idx.subList(mid, idx.size()), batched, rows, outputs, errors, runs);
        }
    }

    /** One session run; every tensor fed or fetched is closed before this returns. */
    private Object[][] run(List<Integer> idx, boolean batched, RowValue[][] rows) {
        List<Tensor> inputs = new ArrayList<>(encoders.size());
        try {
            Session.Runner runner = model.session().runner();
            for (int j = 0; j < encoders.size(); j++) {
                List<RowValue> column = new ArrayList<>(idx.size());
                for (int i : idx) {
                    column.add(rows[i][j]);
                }
                Tensor t = encoders.get(j).build(column, batched);
                inputs.add(t);
                runner.feed(encoders.get(j).input().tensorName(), t);
            }
            for (TensorSpec out : signature.outputs()) {
                runner.fetch(out.tensorName());
            }
            try (Result result = runner.run()) {
                Object[][] decoded = new Object[signature.outputs().size()][];
                for (int o = 0; o < decoded.length; o++) {
                    decoded[o] =
                            OutputDecoder.decode(
                                    signature.outputs().get(o).key(), result.get(o), idx.size());
                }
                return decoded;
            }
        } finally {
            for (Tensor t : inputs) {
                t.close();
            }
        }
    }

    @Override
    public String toString() {
        return "TfBatchScorer["
                + model.exportDir()
                + ", "
                + signature.key()
                + ", inputs "
                + new TreeSet<>(fields.stream().map(FieldSpec::name).toList())
                + "]";
    }
}
