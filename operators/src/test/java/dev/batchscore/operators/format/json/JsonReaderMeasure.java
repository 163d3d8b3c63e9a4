package dev.batchscore.operators.format.json;

import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * CPU per record of {@link JsonReader}'s tree path and of its scanned path over the bench's tabular
 * records, alternating in one JVM so that both see the same machine; run by hand (see
 * docs/performance.md), never as a test. Arguments: rounds (default 12), records per round (default
 * 100,000).
 */
public final class JsonReaderMeasure {
    private JsonReaderMeasure() {}

    /** {@code Datasets.tabular(42)} of the examples' bench: the records {@code bench} produces. */
    static byte[] tabular(long i) {
        Random random = new Random(42L * 1_000_003L + i);
        StringBuilder sb = new StringBuilder(16 * 64);
        sb.append("{\"id\":").append(i).append(",\"features\":[");
        for (int j = 0; j < 64; j++) {
            sb.append(j == 0 ? "" : ",").append((float) random.nextGaussian());
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        byte[][] records = new byte[10_000][];
        for (int i = 0; i < records.length; i++) {
            records[i] = tabular(i);
        }
        JsonReader reader =
                new JsonReader(
                        new ReaderSpec(
                                List.of(new FieldSpec("features", DType.FLOAT, List.of(64L))),
                                Map.of(),
                                List.of(new PassthroughField("id", PassthroughField.Type.LONG)),
                                null));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Object> input = new HashMap<>();
        Object[] passthrough = new Object[1];
        double[] tree = new double[rounds];
        double[] scanned = new double[rounds];
        long sink = 0;
        for (int round = 0; round < rounds; round++) {
            for (int way = 0; way < 2; way++) {
                boolean treeWay = (way + round) % 2 == 0; // alternate which goes first
                long start = threads.getCurrentThreadCpuTime();
                for (int r = 0; r < perRound; r++) {
                    byte[] value = records[r % records.length];
                    if (treeWay) {
                        reader.readTree(value, input, passthrough);
                    } else {
                        reader.read(value, input, passthrough);
                    }
                    sink += ((float[]) input.get("features")).length;
                }
                double ns = (threads.getCurrentThreadCpuTime() - start) / (double) perRound;
                (treeWay ? tree : scanned)[round] = ns;
            }
            System.out.printf(
                    Locale.ROOT,
                    "round %2d: tree %7.0f ns/record, scanned %6.0f ns/record, tree/scanned %.1f%n",
                    round + 1,
                    tree[round],
                    scanned[round],
                    tree[round] / scanned[round]);
        }
        int half = rounds / 2;
        double treeMedian = median(Arrays.copyOfRange(tree, half, rounds));
        double scannedMedian = median(Arrays.copyOfRange(scanned, half, rounds));
        System.out.printf(
                Locale.ROOT,
                "last %d rounds, median: tree %.0f ns/record, scanned %.0f ns/record, %.1fx"
                        + " (checksum %d)%n",
                rounds - half,
                treeMedian,
                scannedMedian,
                treeMedian / scannedMedian,
                sink);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
