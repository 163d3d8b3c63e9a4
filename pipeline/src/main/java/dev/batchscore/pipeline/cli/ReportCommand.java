package dev.batchscore.pipeline.cli;

import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.iceberg.IcebergTables;
import dev.batchscore.pipeline.runs.RunHistory;
import dev.batchscore.pipeline.runs.RunPlanner;
import dev.batchscore.pipeline.runs.RunTable;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code batchscore report --config job.yaml [--runs N] [--out DIR]}: the last runs of the job's
 * pipeline from its runs table ({@code <table>_runs}), as a console table and, with {@code --out},
 * a self-contained {@code report.html} with charts and the same charts as PNGs. Reads only the
 * tables, so it shows runs however they were submitted.
 */
@Command(
        name = "report",
        customSynopsis =
                "batchscore report --config job.yaml [--runs N] [--out DIR] [--<key> <value> ...]",
        description = {
            "The last runs of the job's pipeline: a table, and with --out report.html and PNGs",
            "",
            "Reads the run history table <table>_runs that every run's job writes: time, records,"
                    + " errors, rows/s, input age, drift (PSI against the previous complete run)"
                    + " and the quality.* checks of each run. With --out, writes report.html"
                    + " (self-contained: its charts are embedded) and the same charts as PNGs:"
                    + " each output's distribution per run, records and errors per run, input age"
                    + " and lag per run."
        })
final class ReportCommand extends Cli.Command {
    @Mixin Cli.VerboseOption verbose;

    @Option(names = "--runs", paramLabel = "N", description = "how many runs (default 20)")
    int runs = 20;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "write report.html and the charts as PNGs to DIR")
    Path outDir;

    @Parameters(
            paramLabel = "--<key> <value>",
            description =
                    "the options of the job, as given to batchscore run (--config FILE and any"
                            + " --<key> <value>); only the table and the pipeline id are used")
    List<String> jobArgs = new ArrayList<>();

    ReportCommand(Cli.Io io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be at least 1, got " + runs);
        }
        PrintStream out = io.out();
        JobConfig config = JobConfig.fromArgs(jobArgs.toArray(new String[0]));
        TableIdentifier scored = IcebergTables.identifier(config.settings().sink().table());
        TableIdentifier id = RunHistory.tableFor(scored);
        List<RunHistory.Row> rows;
        String pipelineId;
        Catalog catalog = IcebergTables.catalogLoader(config.settings().sink()).loadCatalog();
        try {
            pipelineId =
                    RunPlanner.pipelineId(config.settings(), IcebergTables.load(catalog, scored));
            Optional<Table> table = IcebergTables.load(catalog, id);
            if (table.isEmpty()) {
                out.println(
                        "table "
                                + id
                                + " does not exist: pipeline '"
                                + pipelineId
                                + "' has not run yet");
                return 0;
            }
            rows = RunHistory.read(table.get(), pipelineId);
        } finally {
            if (catalog instanceof AutoCloseable c) {
                c.close();
            }
        }
        rows = rows.subList(Math.max(0, rows.size() - runs), rows.size());
        out.println("pipeline '" + pipelineId + "': the last " + rows.size() + " run(s) in " + id);
        out.print(RunTable.format(rows));
        if (outDir != null && !rows.isEmpty()) {
            Path dir = outDir.toAbsolutePath().normalize();
            Path html = Examples.load("report").report(rows, "pipeline " + pipelineId, dir);
            out.println("wrote " + html);
        }
        return 0;
    }
}
