package dev.batchscore.operators;

import java.util.function.LongConsumer;

/**
 * Tells a listener in the same JVM how many records each micro-batch scored, when: how {@code
 * batchscore bench} times the first scored row and the steady state of a run on its embedded
 * MiniCluster. No listener (the default, and always on a cluster) costs one volatile read per
 * batch.
 */
public final class ScoringProbe {
    private static volatile LongConsumer listener;

    private ScoringProbe() {}

    /** Sets the listener, or removes it with null; it is called from the scoring subtasks. */
    public static void listen(LongConsumer recordsPerBatch) {
        listener = recordsPerBatch;
    }

    static void scored(long records) {
        LongConsumer l = listener;
        if (l != null) {
            l.accept(records);
        }
    }
}
