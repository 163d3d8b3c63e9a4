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
        this.batching = encoders.stream().allMatch(InputEncoder::declaresBatch) ? Batching.DECLARED : Batching.UNTRIED;
    }

    static TfBatchScorer create(LoadedModel model, String key) {
        Map<String, SignatureDef> defs = model.signatureDefs();
        SignatureDef def = defs.get(key);
        if (def == null) {
            throw new ModelException("signature '" + key + "' not found in " + model.exportDir()
                    + "; signatures found: " + (defs.isEmpty() ? "none" : String.join(", ", defs.keySet()))
                    + "; choose one of them");
        }
        SignatureSpec spec = LoadedModel.toSpec(key, def);
        String problem = problem(model, spec);
        if (problem != null) {
            List<String> usable = new ArrayList<>();
            for (Map.Entry<String, SignatureDef> e : defs.entrySet()) {
                if (!e.getKey().equals(key) && problem(model, LoadedModel.toSpec(e.getKey(), e.getValue())) == null) {
                    usable.add(e.getKey());
                }
            }
            throw new ModelException(problem + "; usable signatures of " + model.exportDir() + ": "
                    + (usable.isEmpty() ? "none" : String.join(", ", usable)));
        }
        List<InputEncoder> encoders = new ArrayList<>();
        for (TensorSpec in : spec.inputs()) {
            encoders.add(ExampleInputEncoder.detect(in, model.metaGraph().getGraphDef())
                    .<InputEncoder>map(e -> e)
                    .orElseGet(() -> new PlainInputEncoder(in)));
        }
        return new TfBatchScorer(model, spec, List.copyOf(encoders));
    }

    /** Why this signature cannot be scored, or null. Only the chosen signature is checked. */
    private static String problem(LoadedModel model, SignatureSpec spec) {
        String sig = "signature '" + spec.key() + "'";
        if (spec.inputs().isEmpty()) {
            return sig + " has no inputs, so no record can be fed to it: batchscore scores one output row"
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
                    return sig + " " + what + " is " + t.rawDtype() + ", which batchscore cannot "
                            + (isInput ? "encode" : "decode") + " (it handles DT_FLOAT, DT_DOUBLE, DT_INT32,"
                            + " DT_INT64, DT_BOOL, DT_STRING); re-export the signature with one of those";
                }
                if (t.tensorName().isEmpty()) {
                    return sig + " " + what + " is a sparse or composite tensor, which batchscore cannot "
                            + (isInput ? "feed" : "fetch") + "; re-export it as a dense tensor";
                }
                DataType actual = graphType(graph, t.tensorName());
                if (actual == null) {
                    return sig + " " + what + " names tensor " + t.tensorName() + ", which the graph does not"
                            + " have; the SavedModel is inconsistent, re-export it";
                }
                if (TfTypes.baseType(actual) != TfTypes.baseType(DataType.valueOf(t.rawDtype()))) {
                    return sig + " is inconsistent with its graph: " + what + " declares " + t.rawDtype()
                            + " but tensor " + t.tensorName() + " is " + actual.name()
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
    public boolean batchesRecords() {
        return batching != Batching.REJECTED;
    }

    Batching batching() {
        return batching;
    }

    @Override
    public ScoreResult score(List<? extends Map<String, ?>> records) {
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
                for (int i : valid) {
                    runBisect(List.of(i), false, rows, outputs, errors);
                }
            } else {
                valid = agreeOnShapes(valid, rows, errors);
                if (mode == Batching.UNTRIED) {
                    tryBatch(valid, rows, outputs, errors);
                } else {
                    runBisect(valid, true, rows, outputs, errors);
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
     * Rows fed together must agree on free dimensions. The most common shape in the batch wins;
     * the odd rows get an ENCODE error.
     */
    private List<Integer> agreeOnShapes(List<Integer> valid, RowValue[][] rows, RecordError[] errors) {
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
                    errors[i] = new RecordError(RecordError.Stage.ENCODE, "model input '" + enc.input().key()
                            + "' expects " + enc.input().describeType() + "; field '" + enc.input().key()
                            + "' has shape " + TfTypes.shapeString(shape) + " but the other rows of its batch have "
                            + best.replace(" ", "") + ", and one tensor needs one shape");
                }
            }
            kept = next;
        }
        return kept;
    }

    /**
     * The signature declares no batch dimension: try a batch. When every row fails in batch form but
     * some row works alone, the model takes no batches and all later calls go one row at a time.
     */
    private void tryBatch(List<Integer> valid, RowValue[][] rows, Object[] outputs, RecordError[] errors) {
        RecordError[] batchErrors = new RecordError[errors.length];
        int ok = runBisect(valid, true, rows, outputs, batchErrors);
        if (ok > 0) {
            if (batching == Batching.UNTRIED && valid.size() > 1) {
                batching = Batching.ACCEPTED;
                LOG.info("Signature '{}' of {} declares no batch dimension but accepts batches; scoring in batches",
                        signature.key(), model.exportDir());
            }
            for (int i : valid) {
                if (batchErrors[i] != null) {
                    errors[i] = batchErrors[i];
                }
            }
            return;
        }
        int singleOk = 0;
        RecordError[] singleErrors = new RecordError[errors.length];
        for (int i : valid) {
            singleOk += runBisect(List.of(i), false, rows, outputs, singleErrors);
        }
        RecordError[] chosen = singleOk > 0 ? singleErrors : batchErrors;
        for (int i : valid) {
            errors[i] = chosen[i];
        }
        if (singleOk > 0 && batching != Batching.REJECTED) {
            batching = Batching.REJECTED;
            LOG.warn("Signature '{}' of {} rejects batches ({}); scoring one record per model call from now on,"
                            + " which is much slower: re-export the model with a batch dimension (-1) on its inputs",
                    signature.key(), model.exportDir(), firstError(batchErrors, valid));
        }
    }

    private static String firstError(RecordError[] errors, List<Integer> rows) {
        for (int i : rows) {
            if (errors[i] != null) {
                return errors[i].message();
            }
        }
        return "no message";
    }

    /** Runs these rows; on rejection splits them in halves down to single rows. Returns rows scored. */
    private int runBisect(List<Integer> idx, boolean batched, RowValue[][] rows, Object[] outputs,
            RecordError[] errors) {
        try {
            Object[][] decoded = run(idx, batched, rows);
            for (int k = 0; k < idx.size(); k++) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (int o = 0; o < signature.outputs().size(); o++) {
                    m.put(signature.outputs().get(o).key(), decoded[o][k]);
                }
                outputs[idx.get(k)] = Collections.unmodifiableMap(m);
            }
            return idx.size();
        } catch (TensorFlowException | OutputDecoder.NoBatchDimension e) {
            if (idx.size() == 1) {
                errors[idx.get(0)] = new RecordError(RecordError.Stage.SCORE, "signature '" + signature.key()
                        + "' failed on this record: " + TfTypes.firstLine(e.getMessage()));
                return 0;
            }
            int mid = idx.size() / 2;
            return runBisect(idx.subList(0, mid), batched, rows, outputs, errors)
                    + runBisect(idx.subList(mid, idx.size()), batched, rows, outputs, errors);
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
                    decoded[o] = OutputDecoder.decode(signature.outputs().get(o).key(), result.get(o), idx.size());
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
        return "TfBatchScorer[" + model.exportDir() + ", " + signature.key() + ", inputs "
                + new TreeSet<>(fields.stream().map(FieldSpec::name).toList()) + "]";
    }
}
