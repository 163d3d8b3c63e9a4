package dev.batchscore.examples.bench;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.ModelException;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.ScoreResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * {@code batchscore tune --model DIR}: scores records generated from the signature's inputs at each
 * batch size, with {@code callers} threads sharing one loaded model (as the scoring slots of one
 * TaskManager do), once per TensorFlow thread setting, and recommends {@code batch.size}, {@code
 * model.intra-op-threads} and {@code model.inter-op-threads}. Each thread setting runs in a JVM of
 * its own: TensorFlow sizes its intra-op pool once per process.
 */
public final class Tune {
    /** A thread setting, intra x inter; 0 lets TensorFlow choose. */
    public record Threads(int intra, int inter) {
        public static Threads parse(String s) {
            String[] p = s.trim().toLowerCase(Locale.ROOT).split("x", 2);
            try {
                Threads t = new Threads(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
                if (t.intra >= 0 && t.inter >= 0) {
                    return t;
                }
            } catch (RuntimeException e) {
                // the message below
            }
            throw new IllegalArgumentException(
                    "--threads expects INTRAxINTER pairs of counts >= 0, e.g. 1x1,2x1,0x0; got '"
                            + s
                            + "'");
        }

        @Override
        public String toString() {
            return intra + "x" + inter;
        }
    }

    /** One measured cell. */
    record Cell(Threads threads, int batchSize, double rowsPerSecond) {}

    private Tune() {}

    /** The thread settings swept by default on {@code cpus} cores. */
    public static List<Threads> defaultThreads(int cpus) {
        List<Threads> out = new ArrayList<>(List.of(new Threads(0, 0), new Threads(1, 1)));
        if (cpus > 1) {
            out.add(new Threads(cpus, 1));
            out.add(new Threads(1, cpus));
        }
        return out;
    }

    public static int run(
            Path model,
            String signature,
            Set<String> tags,
            List<Integer> batchSizes,
            List<Threads> threads,
            int callers,
            double seconds,
            PrintStream out)
            throws Exception {
        out.printf(
                Locale.ROOT,
                "tune: %s signature '%s', %d caller thread(s) sharing one model (= scoring slots"
                        + " per TaskManager), %.1f s per cell, %d CPUs%n",
                model,
                signature,
                callers,
                seconds,
                Runtime.getRuntime().availableProcessors());
        List<Cell> cells = new ArrayList<>();
        for (Threads t : threads) {
            List<String> args = new ArrayList<>();
            args.add(model.toString());
            args.add(signature);
            args.add(String.join(",", tags));
            args.add(batchSizes.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).get());
            args.add(Integer.toString(t.intra()));
            args.add(Integer.toString(t.inter()));
            args.add(Integer.toString(callers));
            args.add(Double.toString(seconds));
            String output = ChildJvm.run(TuneChild.class, args, Map.of());
            for (String line : output.split("\n")) {
                if (line.startsWith("cell ")) {
                    String[] f = line.split(" ");
                    Cell c = new Cell(t, Integer.parseInt(f[1]), Double.parseDouble(f[2]));
                    cells.add(c);
                    out.printf(
                            Locale.ROOT,
                            "  threads %-5s batch %6d  %,12.0f rows/s%n",
                            t,
                            c.batchSize(),
                            c.rowsPerSecond());
                }
            }
        }
        out.print(recommendation(cells, callers));
        return 0;
    }

    /** The table's best cell, and the smallest batch size within 10% of it at those threads. */
    static String recommendation(List<Cell> cells, int callers) {
        Cell best =
                cells.stream().max(Comparator.comparingDouble(Cell::rowsPerSecond)).orElseThrow();
        Cell small =
                cells.stream()
                        .filter(c -> c.threads().equals(best.threads()))
                        .filter(c -> c.rowsPerSecond() >= 0.9 * best.rowsPerSecond())
                        .min(Comparator.comparingInt(Cell::batchSize))
                        .orElse(best);
        Cell defaults =
                cells.stream()
                        .filter(c -> c.threads().equals(new Threads(0, 0)))
                        .filter(c -> c.batchSize() == small.batchSize())
                        .findFirst()
                        .orElse(null);
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "best: batch %d, threads %s: %,.0f rows/s%n",
                        best.batchSize(),
                        best.threads(),
                        best.rowsPerSecond()));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "recommended (smallest batch within 10%% of the best, so micro-batches fill"
                                + " sooner): %,.0f rows/s%s%n",
                        small.rowsPerSecond(),
                        defaults == null
                                ? ""
                                : String.format(
                                        Locale.ROOT,
                                        " (TensorFlow's own thread choice at that batch size:"
                                                + " %,.0f rows/s)",
                                        defaults.rowsPerSecond())));
        sb.append(String.format(Locale.ROOT, "  batch.size: %d%n", small.batchSize()));
        sb.append(
                String.format(
                        Locale.ROOT, "  model.intra-op-threads: %d%n", small.threads().intra()));
        sb.append(
                String.format(
                        Locale.ROOT, "  model.inter-op-threads: %d%n", small.threads().inter()));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "  (measured with %d scoring slot(s) per TaskManager; the pipeline adds"
                                + " decoding and writing, see batchscore bench)%n",
                        callers));
        return sb.toString();
    }

    /**
     * Records of {@code count} rows whose fields fit {@code fields}: random values, -1 dims as 1.
     */
    static List<Map<String, Object>> records(List<FieldSpec> fields, int count, long seed) {
        Random random = new Random(seed);
        List<Map<String, Object>> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Map<String, Object> record = new HashMap<>();
            for (FieldSpec f : fields) {
                record.put(f.name(), value(f, random));
            }
            out.add(record);
        }
        return out;
    }

    private static Object value(FieldSpec f, Random random) {
        int n = 1;
        for (long d : f.rowShape()) {
            n *= (int) Math.max(d, 1);
        }
        boolean scalar = f.rowShape().isEmpty();
        List<Object> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(one(f.dtype(), random));
        }
        if (scalar) {
            return values.get(0);
        }
        return nest(values, f.rowShape(), 0, new int[] {0});
    }

    private static Object nest(List<Object> flat, List<Long> shape, int depth, int[] next) {
        int n = (int) Math.max(shape.get(depth), 1);
        List<Object> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(
                    depth == shape.size() - 1
                            ? flat.get(next[0]++)
                            : nest(flat, shape, depth + 1, next));
        }
        return out;
    }

    private static Object one(DType dtype, Random random) {
        return switch (dtype) {
            case FLOAT, DOUBLE -> random.nextGaussian();
            case INT32, INT64 -> (long) random.nextInt(10);
            case BOOL -> random.nextBoolean();
            case STRING -> "word" + random.nextInt(1000);
            default -> throw new ModelException("tune: cannot generate a value of " + dtype);
        };
    }

    /** What one child JVM measures: every batch size at one thread setting. */
    static void measureAll(
            Path model,
            String signature,
            Set<String> tags,
            List<Integer> batchSizes,
            Threads threads,
            int callers,
            double seconds,
            PrintStream out)
            throws Exception {
        ModelOptions options =
                ModelOptions.defaults()
                        .withTags(tags)
                        .withThreads(threads.intra(), threads.inter());
        try (SavedModel m = ModelRegistry.acquire(model, options)) {
            BatchScorer scorer = m.scorer(signature);
            int max = batchSizes.stream().max(Integer::compare).orElseThrow();
            List<Map<String, Object>> records = records(scorer.fields(), max, 7);
            for (int b : batchSizes) { // warm-up: TensorFlow's kernels and the JIT
                List<Map<String, Object>> batch = records.subList(0, b);
                ModelBench.measure(
                        () -> {
                            check(scorer.score(batch));
                            return b;
                        },
                        callers,
                        Math.min(0.5, seconds / 4));
            }
            for (int b : batchSizes) {
                List<Map<String, Object>> batch = records.subList(0, b);
                ModelBench.Rate r =
                        ModelBench.measure(
                                () -> {
                                    check(scorer.score(batch));
                                    return b;
                                },
                                callers,
                                seconds);
                out.printf(Locale.ROOT, "cell %d %.1f%n", b, r.rowsPerSecond());
            }
        }
    }

    private static void check(ScoreResult result) {
        for (int i = 0; i < result.size(); i++) {
            if (!result.ok(i)) {
                throw new ModelException(
                        "tune: the model refused a generated record: " + result.error(i).message());
            }
        }
    }
}
