package dev.batchscore.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchRatiosTest {
    private static BenchRow row(String model, String variant, int batch, int p, double rate) {
        return new BenchRow(model, variant, batch, p, 1000, rate, rate / 2, 1.5, 1.0, 10.0);
    }

    @Test
    void ratiosComeFromTheHeavyPipelinesBestCell() {
        List<BenchRow> rows =
                List.of(
                        row("tabular", BenchRow.RAW, 512, 2, 200_000),
                        row("tabular", BenchRow.RAW, 32, 2, 100_000),
                        row("tabular", BenchRow.PIPELINE, 32, 2, 50_000),
                        row("tabular", BenchRow.PIPELINE, 512, 2, 160_000),
                        row("tabular", BenchRow.PIPELINE, 512, 1, 80_000),
                        row("tabular", BenchRow.LOAD_PER_BATCH, 512, 2, 1_000),
                        row("tabular", BenchRow.BATCH1, 1, 2, 8_000),
                        row("half_plus_two", BenchRow.PIPELINE, 512, 2, 90_000),
                        row("half_plus_two", BenchRow.NO_MODEL, 512, 2, 100_000));

        BenchRatios r = BenchRatios.of(rows, "tabular", "half_plus_two", 1000, 1100);

        assertThat(r.heavyPipelineOverRaw()).isEqualTo(0.8);
        assertThat(r.heavyPipelineOverLoadPerBatch()).isEqualTo(160.0);
        assertThat(r.heavyPipelineOverBatch1()).isEqualTo(20.0);
        assertThat(r.trivialPipelineOverNoModel()).isEqualTo(0.9);
        assertThat(r.p2OverP1()).isEqualTo(2.0);
        assertThat(r.rss5mOver1m()).isEqualTo(1.1, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.startupSeconds()).isEqualTo(1.5);
        assertThat(r.line())
                .isEqualTo(
                        "bench: heavy_pipeline_over_raw=0.80 heavy_pipeline_over_load_per_batch=160.00"
                                + " heavy_pipeline_over_batch1=20.00 trivial_pipeline_over_nomodel=0.90"
                                + " p2_over_p1=2.00 rss_5m_over_1m=1.100 startup_s=1.50");
    }

    @Test
    void theLineParsesBackAndAMissingCellIsNaN() {
        BenchRatios r =
                BenchRatios.of(
                        List.of(row("tabular", BenchRow.PIPELINE, 512, 2, 1)),
                        "tabular",
                        "x",
                        0,
                        0);
        assertThat(r.heavyPipelineOverRaw()).isNaN();
        BenchRatios back = BenchRatios.parse(r.line());
        assertThat(back.heavyPipelineOverRaw()).isNaN();
        assertThat(back.startupSeconds()).isEqualTo(1.5);
        assertThat(BenchRatios.parse(new BenchRatios(1, 2, 3, 4, 5, 6, 7).line()))
                .isEqualTo(new BenchRatios(1, 2, 3, 4, 5, 6, 7));
        assertThatThrownBy(() -> BenchRatios.parse("bench: p2_over_p1=1"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
