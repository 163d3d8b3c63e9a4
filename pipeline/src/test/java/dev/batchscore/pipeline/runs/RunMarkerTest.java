package dev.batchscore.pipeline.runs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The run identity the {@link RunMarker} keeps in its state, to check a restore against. */
class RunMarkerTest {

    @Test
    void runIdentityRoundTripsThroughItsStateText() {
        RunMarker.RunIdentity bounded =
                new RunMarker.RunIdentity(
                        "t:reviews:sentiment",
                        "2026-11-22T10",
                        SourcePositions.parse("a:0=5,a:1=7"));
        assertThat(RunMarker.RunIdentity.parse(bounded.format())).isEqualTo(bounded);

        RunMarker.RunIdentity open = new RunMarker.RunIdentity("p", "r", null);
        assertThat(RunMarker.RunIdentity.parse(open.format())).isEqualTo(open);
    }
}
