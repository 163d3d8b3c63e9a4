package dev.batchscore.pipeline.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RunStatsTest {

    private static RunStats normal(long seed, int n, double mean) {
        Random random = new Random(seed);
        RunStats s = new RunStats();
        for (int i = 0; i < n; i++) {
            s.addRead(1_000 + i);
            s.addScored();
            s.addValue("y", mean + random.nextGaussian());
        }
        return s;
    }

    @Test
    void deltasMergedAcrossSubtasksAndBytesAreTheWholeRun() {
        RunStats a = normal(1, 5_000, 0);
        RunStats b = normal(2, 5_000, 0);
        b.addDeadLettered();
        b.addValue("y", Double.NaN); // left out
        RunStats total = new RunStats();
        total.merge(RunStats.fromBytes(a.toBytes()));
        total.merge(RunStats.fromBytes(b.toBytes()));

        assertThat(total.read()).isEqualTo(10_000);
        assertThat(total.scored()).isEqualTo(10_000);
        assertThat(total.deadLettered()).isEqualTo(1);
        assertThat(total.oldestTimestamp()).isEqualTo(1_000);
        assertThat(total.newestTimestamp()).isEqualTo(5_999);
        RunStats.Column y = total.columns().get("y");
        assertThat(y.count()).isEqualTo(10_000);
        assertThat(y.mean()).isCloseTo(0, within(0.05));
        double[] q = y.quantiles();
        assertThat(q[3]).as("p50").isCloseTo(0, within(0.06));
        // In the tails a sketch's rank error (~1.7% at K = 200, randomized) moves the quantile's
        // value far: check the rank of the true p1 and p99 values instead.
        assertThat(q[0]).as("p1").isNegative();
        assertThat(q[6]).as("p99").isPositive();
        assertThat(y.sketch().getRank(-2.326)).as("rank of p1").isCloseTo(0.01, within(0.025));
        assertThat(y.sketch().getRank(2.326)).as("rank of p99").isCloseTo(0.99, within(0.025));
        assertThat(new RunStats().oldestTimestamp()).isNull();
    }

    @Test
    void psiIsSmallForTheSameDistributionAndLargeForAShiftedOne() {
        var base = normal(1, 20_000, 0).columns().get("y").sketch();
        var same = normal(2, 20_000, 0).columns().get("y").sketch();
        var shifted = normal(3, 20_000, 1).columns().get("y").sketch();
        assertThat(RunStats.psi(base, same)).isLessThan(0.02);
        assertThat(RunStats.psi(base, shifted)).isGreaterThan(0.5);
        assertThat(RunStats.psi(base, base)).isCloseTo(0, within(1e-9));
    }

    @Test
    void aConstantOutputHasAFinitePsi() {
        RunStats a = new RunStats();
        RunStats b = new RunStats();
        for (int i = 0; i < 100; i++) {
            a.addValue("c", 1.0);
            b.addValue("c", i < 50 ? 1.0 : 2.0);
        }
        double psi = RunStats.psi(a.columns().get("c").sketch(), b.columns().get("c").sketch());
        assertThat(psi).isFinite().isGreaterThan(0.2);
    }

    @Test
    void qualityChecksNameEachViolation() {
        RunHistory.Row row =
                new RunHistory.Row(
                        "p",
                        "r",
                        Instant.EPOCH,
                        Instant.EPOCH,
                        null,
                        RunHistory.COMPLETE,
                        null,
                        null,
                        100,
                        80,
                        20,
                        0L,
                        null,
                        null,
                        null,
                        Instant.EPOCH,
                        Duration.ofHours(3).toMillis(),
                        null,
                        1.0,
                        List.of(
                                new RunHistory.OutputStats(
                                        "y", 80, 1.0, 0.0, 2.0, new double[7], 0.7, null)),
                        List.of(),
                        "warn",
                        false);
        QualityChecks checks = new QualityChecks(Duration.ofHours(1), 1000L, 0.1, 0.2, true);
        assertThat(checks.violations(row, true))
                .hasSize(4)
                .anySatisfy(v -> assertThat(v).startsWith("quality.max-input-age"))
                .anySatisfy(v -> assertThat(v).startsWith("quality.min-records"))
                .anySatisfy(v -> assertThat(v).startsWith("errors.max-ratio"))
                .anySatisfy(v -> assertThat(v).startsWith("quality.max-drift").contains("'y'"));
        assertThat(checks.violations(row, false))
                .as("a stopped part is not judged on its count")
                .noneMatch(v -> v.startsWith("quality.min-records"));
        assertThat(QualityChecks.none().violations(row, true)).isEmpty();
    }
}
