package dev.batchscore.pipeline;

import static dev.batchscore.pipeline.BatchscoreOptions.*;

import dev.batchscore.pipeline.iceberg.IcebergTables;
import dev.batchscore.pipeline.runs.RunClaim;
import dev.batchscore.pipeline.runs.RunLedger;
import dev.batchscore.pipeline.runs.RunPlanner;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Optional;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * {@code batchscore release --config job.yaml [--<key> <value> ...]}: clears the claim a run holds
 * on the job's pipeline ({@code batchscore.claim.<pipeline id>} on the scored table), for when that
 * run is known to be dead and the next run should not wait for its lease ({@code
 * pipeline.claim-timeout}) to expire. Takes the same options as {@code run}, so it finds the same
 * table and pipeline id; it reads nothing else (no model, no Kafka).
 */
public final class ReleaseCommand {
    private ReleaseCommand() {}

    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (Arrays.asList(args).contains("--help")) {
            out.print(usage());
            return 0;
        }
        JobConfig config = JobConfig.fromArgs(args);
        String modelName =
                config.getOptional(MODEL_NAME)
                        .orElseGet(() -> JobPlan.defaultModelName(config.get(MODEL_PATH)));
        String pipelineId = RunPlanner.pipelineId(config, modelName);
        TableIdentifier id = IcebergTables.identifier(config.table());
        Catalog catalog = IcebergTables.catalogLoader(config).loadCatalog();
        try {
            Optional<Table> table = IcebergTables.load(catalog, id);
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
                                                    + "; if that run is still running, its next heartbeat finds"
                                                    + " the claim gone and it will not take it back")
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

    static String usage() {
        return "usage: batchscore release --config job.yaml [--<key> <value> ...]\n\n"
                + "Clears the claim a run holds on the job's pipeline (one run per pipeline.id at\n"
                + "a time), so the next run starts now instead of after pipeline.claim-timeout.\n"
                + "Only for a run that is dead (its client and job gone): a live run would then\n"
                + "overlap the next one.\n";
    }
}
