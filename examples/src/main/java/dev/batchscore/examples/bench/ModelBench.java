package dev.batchscore.examples.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.ModelException;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.ScoreResult;
import dev.batchscore.operators.format.json.JsonRecordDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/**
 * The model-only variants of {@code batchscore bench}, each on {@code threads} callers at once for
 * a fixed time: raw (a tensor built once, fed straight to the signature: the limit), the model
 * loaded per batch (the anti-pattern), and per-record scoring of JSON records (naive code).
 */
final class ModelBench {
    private ModelBench() {}

    /** Rows and seconds of one measurement. */
    record Rate(long rows, double seconds, long cpuNanos) {
        double rowsPerSecond() {
            return rows / seconds;
        }

        double cpuMsPer1kRows() {
            return cpuNanos / 1e3 / rows;
        }
    }

    /** A unit of work that scores some rows and returns how many. */
    @FunctionalInterface
    interface Step {
        long run() throws Exception;
    }

    /**
     * Raw: one float input {@code input} of {@code features} per row, a pre-built tensor of {@code
     * batchSize} rows fed to the signature directly, {@code threads} callers.
     */
    static Rate raw(
            Path model, String input, int features, int batchSize, int threads, double seconds)
            throws Exception {
        try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), "serve")) {
            SessionFunction fn = bundle.function(ModelOptions.DEFAULT_SIGNATURE);
            float[] values = new float[batchSize * features];
            java.util.Random random = new java.util.Random(1);
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            Shape shape = features == 1 ? Shape.of(batchSize, 1) : Shape.of(batchSize, features);
            try (TFloat32 tensor = TFloat32.tensorOf(shape, DataBuffers.of(values, true, false))) {
                Map<String, Tensor> feed = Map.of(input, tensor);
                Step step =
                        () -> {
                            try (Result result = fn.call(feed)) {
                                return batchSize;
                            }
                        };
                measure(step, threads, Math.min(0.5, seconds / 4)); // warm-up
                return measure(step, threads, seconds);
            }
        }
    }

    /**
     * The model loaded, used for one batch of {@code records} and closed, again and again. Each
     * caller loads its own copy of the model: the registry shares a loaded model between holders,
     * so callers of one directory would mostly find it loaded by another and not load it at all.
     */
    static Rate loadPerBatch(
            Path model, List<byte[]> records, int batchSize, int threads, double seconds)
            throws Exception {
        List<byte[]> values = records.subList(0, batchSize);
        List<Path> copies = new ArrayList<>();
        Path scratch = Files.createTempDirectory("batchscore-load-per-batch-");
        try {
            for (int t = 0; t < threads; t++) {
                Path copy = scratch.resolve("model-" + t);
                copyTree(model, copy);
                copies.add(copy);
            }
            AtomicInteger nextCaller = new AtomicInteger();
            ThreadLocal<Path> own =
                    ThreadLocal.withInitial(() -> copies.get(nextCaller.getAndIncrement()));
            // Decoding is part of the work, as in the pipeline and the per-record variant.
            Step step =
                    () -> {
                        try (SavedModel m =
                                ModelRegistry.acquire(own.get(), ModelOptions.defaults())) {
                            check(m.scorer(ModelOptions.DEFAULT_SIGNATURE).score(decode(values)));
                        }
                        return batchSize;
                    };
            return measure(step, threads, seconds);
        } finally {
            try (Stream<Path> paths = Files.walk(scratch)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Seconds to load a model, and to score its first batch after that. */
    record LoadTime(double loadSeconds, double firstBatchSeconds) {}

    /**
     * The medians of {@code times} loads of {@code model} ({@link ModelRegistry#acquire}: import
     * the graph, run the initializers, restore the checkpoint) and of the first batch of {@code
     * records} scored after each (TensorFlow optimizes the graph on a session's first run), each
     * model closed before the next load; the close is not timed.
     */
    static LoadTime loadTime(Path model, List<byte[]> records, int times) throws Exception {
        List<Map<String, Object>> batch = decode(records);
        double[] load = new double[times];
        double[] first = new double[times];
        for (int i = 0; i < times; i++) {
            long start = System.nanoTime();
            try (SavedModel m = ModelRegistry.acquire(model, ModelOptions.defaults())) {
                long loaded = System.nanoTime();
                check(m.scorer(ModelOptions.DEFAULT_SIGNATURE).score(batch));
                load[i] = (loaded - start) / 1e9;
                first[i] = (System.nanoTime() - loaded) / 1e9;
            }
        }
        java.util.Arrays.sort(load);
        java.util.Arrays.sort(first);
        return new LoadTime(load[times / 2], first[times / 2]);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    /** One model call per JSON record: decode, score a batch of one. */
    static Rate perRecord(Path model, List<byte[]> records, int threads, double seconds)
            throws Exception {
        try (SavedModel m = ModelRegistry.acquire(model, ModelOptions.defaults())) {
            BatchScorer scorer = m.scorer(ModelOptions.DEFAULT_SIGNATURE);
            AtomicLong next = new AtomicLong();
            Step step =
                    () -> {
                        byte[] value = records.get((int) (next.getAndIncrement() % records.size()));
                        check(scorer.score(decode(List.of(value))));
                        return 1;
                    };
            measure(step, threads, Math.min(0.5, seconds / 4));
            return measure(step, threads, seconds);
        }
    }

    static List<Map<String, Object>> decode(List<byte[]> values) throws Exception {
        List<Map<String, Object>> out = new ArrayList<>(values.size());
        for (byte[] v : values) {
            ObjectNode json = JsonRecordDecoder.get().decode(v);
            Map<String, Object> map = new HashMap<>();
            json.fields()
                    .forEachRemaining(
                            e -> map.put(e.getKey(), JsonRecordDecoder.toJava(e.getValue())));
            out.add(map);
        }
        return out;
    }

    static List<byte[]> utf8(List<String> json) {
        return json.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }

    private static void check(ScoreResult result) {
        for (int i = 0; i < result.size(); i++) {
            if (!result.ok(i)) {
                throw new ModelException("bench: the model refused a record: " + result.error(i));
            }
        }
    }

    /** Runs {@code step} on {@code threads} threads until {@code seconds} have passed. */
    static Rate measure(Step step, int threads, double seconds) throws Exception {
        long budget = (long) (seconds * 1e9);
        AtomicLong rows = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        Exception[] failure = new Exception[1];
        long cpu = BenchRow.processCpuNanos();
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            Thread worker =
                    new Thread(
                            () -> {
                                try {
                                    do {
                                        rows.addAndGet(step.run());
                                    } while (System.nanoTime() - start < budget);
                                } catch (Exception e) {
                                    synchronized (failure) {
                                        failure[0] = e;
                                    }
                                }
                            },
                            "bench-caller-" + t);
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return new Rate(
                rows.get(), (System.nanoTime() - start) / 1e9, BenchRow.processCpuNanos() - cpu);
    }
}
