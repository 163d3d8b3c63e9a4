package dev.batchscore.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchRatiosTest {
    private static BenchRow row(String model, String variant, int batch, int p, double rate) {
        return row(model, variant, batch, p, rate, 10.0);
    }

    private static BenchRow row(
            String model, String variant, int batch, int p, double rate, double cpuMsPer1k) {
        return new BenchRow(model, variant, batch, p, 1000, rate, rate / 2, 1.5, 1.0, cpuMsPer1k);
    }

    @Test
    void ratiosComeFromTheHeavyPipelinesBestCell() {
        List<BenchRow> rows =
                List.of(
                        row("tabular", BenchRow.RAW, 512, 2, 200_000, 6.0),
                        row("tabular", BenchRow.RAW, 32, 2, 100_000),
                        row("tabular", BenchRow.PIPELINE, 32, 2, 50_000),
                        row("tabular", BenchRow.PIPELINE, 512, 2, 160_000, 22.0),
                        row("tabular", BenchRow.PIPELINE, 512, 1, 80_000, 20.0),
                        row("tabular", BenchRow.LOAD_PER_BATCH, 512, 2, 1_000),
                        row("tabular", BenchRow.BATCH1, 1, 2, 8_000),
                        row("half_plus_two", BenchRow.PIPELINE, 512, 2, 90_000),
                        row("half_plus_two", BenchRow.NO_MODEL, 512, 2, 100_000),
                        row("bigvars", BenchRow.PIPELINE, 512, 2, 200_000),
                        row("bigvars", BenchRow.LOAD_PER_BATCH, 512, 2, 500));

        WholeRun.Result whole =
                new WholeRun.Result(
                        "this", 600_000, 512, 10.0, 12.0, 2.5, 15.0, "wrote 600,000 rows");
        WholeRun.Result whole6m =
                new WholeRun.Result("this", 6_000_000, 512, 60.0, 100.0, 2.5, 14.0, "wrote");
        WholeRun.Result warm =
                new WholeRun.Result("this+warm", 600_000, 512, 7.5, 9.0, 1.5, 13.0, "wrote");
        BenchRatios r =
                BenchRatios.of(
                        rows, "tabular", "half_plus_two", 1000, 1100, whole, whole6m, warm, 0.9);

        assertThat(r.heavyPipelineOverRaw()).isEqualTo(0.8);
        assertThat(r.heavyPipelineOverLoadPerBatch()).isEqualTo(160.0);
        assertThat(r.heavyPipelineOverBatch1()).isEqualTo(20.0);
        assertThat(r.trivialPipelineOverNoModel()).isEqualTo(0.9);
        // CPU per row at p2 over p1 at the best cell's batch size, not rows/s
        assertThat(r.cpuP2OverP1()).isEqualTo(1.1, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.wholeRunRowsPerSecond()).isEqualTo(60_000);
        assertThat(r.wholeRunWallSeconds()).isEqualTo(10.0);
        // 12 s of CPU for 600k rows is 20 µs per row; the model alone takes 6
        assertThat(r.pipelineCpuUsPerRowBeyondModel())
                .isEqualTo(14.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.firstCommittedRowSeconds()).isEqualTo(2.5);
        assertThat(r.wholeRun6mRowsPerSecond()).isEqualTo(100_000);
        // the 6M run's steady state, 14 µs per row, beyond the model's 6
        assertThat(r.steadyCpuUsPerRowBeyondModel6m())
                .isEqualTo(8.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.wholeRunWarmRowsPerSecond()).isEqualTo(80_000);
        assertThat(r.rss5mOver1m()).isEqualTo(1.1, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.startupSeconds()).isEqualTo(1.5);
        // the big-variables model against its own load-per-batch, not the tabular pipeline
        assertThat(r.bigvarsPipelineOverLoadPerBatch()).isEqualTo(400.0);
        assertThat(r.bigvarsLoadSeconds()).isEqualTo(0.9);
        assertThat(r.line())
                .isEqualTo(
                        "bench: heavy_pipeline_over_raw=0.80 heavy_pipeline_over_load_per_batch=160.00"
                                + " heavy_pipeline_over_batch1=20.00 trivial_pipeline_over_nomodel=0.90"
                                + " cpu_p2_over_p1=1.10 rss_5m_over_1m=1.100 startup_s=1.50"
                                + " whole_run_rows_per_s=60000 whole_run_wall_s=10.00"
                                + " pipeline_cpu_us_per_row_beyond_model=14.0"
                                + " first_committed_row_s=2.50 whole_run_6m_rows_per_s=100000"
                                + " steady_cpu_us_per_row_beyond_model_6m=8.0"
                                + " whole_run_warm_rows_per_s=80000"
                                + " bigvars_pipeline_over_load_per_batch=400.00 bigvars_load_s=0.90");
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
        assertThat(back.wholeRunRowsPerSecond()).isNaN();
        assertThat(back.bigvarsPipelineOverLoadPerBatch()).isNaN();
        assertThat(back.bigvarsLoadSeconds()).isNaN();
        BenchRatios all = new BenchRatios(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        assertThat(BenchRatios.parse(all.line())).isEqualTo(all);
        assertThatThrownBy(() -> BenchRatios.parse("bench: p2_over_p1=1"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
