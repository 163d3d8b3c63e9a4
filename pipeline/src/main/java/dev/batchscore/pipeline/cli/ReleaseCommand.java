package dev.batchscore.pipeline.cli;

import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.iceberg.IcebergTables;
import dev.batchscore.pipeline.runs.RunClaim;
import dev.batchscore.pipeline.runs.RunLedger;
import dev.batchscore.pipeline.runs.RunPlanner;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code batchscore release --config job.yaml [--<key> <value> ...]}: clears the claim a run holds
 * on the job's pipeline ({@code batchscore.claim.<pipeline id>} on the scored table), for when that
 * run is known to be dead and the next run should not wait for its lease ({@code
 * pipeline.claim-timeout}) to expire. Takes the same options as {@code run}, so it finds the same
 * table and pipeline id; it reads nothing else (no model, no Kafka).
 */
@Command(
        name = "release",
        customSynopsis = "batchscore release --config job.yaml [--<key> <value> ...]",
        description = {
            "Clear the claim of a dead run on the job's pipeline: release --config job.yaml",
            "",
            "Clears the claim a run holds on the job's pipeline (one run per pipeline.id at a"
                    + " time), so the next run starts now instead of after pipeline.claim-timeout."
                    + " Only for a run that is dead (its client and job gone): a live run would"
                    + " then overlap the next one."
        })
final class ReleaseCommand extends Cli.Command {
    @Mixin Cli.VerboseOption verbose;

    @Parameters(
            paramLabel = "--<key> <value>",
            description =
                    "the options of the run whose claim to clear, as given to batchscore run"
                            + " (--config FILE and any --<key> <value>)")
    List<String> jobArgs = new ArrayList<>();

    ReleaseCommand(Cli.Io io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = io.out();
        JobConfig config = JobConfig.fromArgs(jobArgs.toArray(new String[0]));
        TableIdentifier id = IcebergTables.identifier(config.settings().sink().table());
        Catalog catalog = IcebergTables.catalogLoader(config.settings().sink()).loadCatalog();
        try {
            Optional<Table> table = IcebergTables.load(catalog, id);
            String pipelineId = RunPlanner.pipelineId(config.settings(), table);
            if (table.isEmpty()) {
                out.println(
                        "table "
                                + id
                                + " does not exist: pipeline '"
                                + pipelineId
                                + "' has no claim to release");
                return 0;
            }
            Optional<RunClaim> cleared = new RunLedger(table.get()).clearClaim(pipelineId);
            out.println(
                    cleared.map(
                                    c ->
                                            "released pipeline '"
                                                    + pipelineId
                                                    + "' from "
                                                    + c.describe()
                                                    + "; if that run is still running, its next commit is"
                                                    + " refused (fenced) and its job fails")
                            .orElse(
                                    "pipeline '"
                                            + pipelineId
                                            + "' has no claim on "
                                            + id
                                            + ": nothing to release"));
            return 0;
        } finally {
            if (catalog instanceof AutoCloseable c) {
                c.close();
            }
        }
    }
}
