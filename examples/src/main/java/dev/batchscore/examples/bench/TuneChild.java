package dev.batchscore.examples.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * One thread setting of {@link Tune} in a JVM of its own. Arguments: model signature tags
 * batch-sizes intra inter callers seconds; prints {@code cell <batch size> <rows/s>} lines.
 */
public final class TuneChild {
    private TuneChild() {}

    public static void main(String[] a) throws Exception {
        List<Integer> sizes = Arrays.stream(a[3].split(",")).map(Integer::parseInt).toList();
        Tune.measureAll(
                Path.of(a[0]),
                a[1],
                new LinkedHashSet<>(Arrays.asList(a[2].split(","))),
                sizes,
                new Tune.Threads(Integer.parseInt(a[4]), Integer.parseInt(a[5])),
                Integer.parseInt(a[6]),
                Double.parseDouble(a[7]),
                System.out);
        System.out.flush();
        System.exit(0);
    }
}
