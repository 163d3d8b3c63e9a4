package dev.batchscore.pipeline.runs;

import java.util.Objects;
import java.util.function.Supplier;
import org.apache.iceberg.BaseTable;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.encryption.EncryptionManager;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.io.FileIO;
import org.apache.iceberg.io.LocationProvider;
import org.apache.iceberg.metrics.LoggingMetricsReporter;

/**
 * Fences a run's commits on its claim: a table loaded through here refuses to commit unless the
 * pipeline's claim ({@code batchscore.claim.<pipeline id>} on the scored table) still carries the
 * run's {@link RunClaim#token}, with a {@link RunFencedException} that Flink does not restart.
 *
 * <p>The seam is {@link TableOperations#commit(TableMetadata, TableMetadata)}: every Iceberg commit
 * ends there - the Flink {@code IcebergCommitter}'s appends (it loads its table from the sink's
 * {@link TableLoader}, which {@link #loader} wraps), the ledger's markers and the run history's
 * appends - and Iceberg's retry after a {@code CommitFailedException} refreshes {@code base} and
 * calls it again, so every attempt is checked.
 *
 * <ul>
 *   <li>The scored table holds the claim: its check reads the claim from {@code base}, the metadata
 *       the commit swaps from, so claim and commit are one compare-and-swap on catalogs that swap
 *       the whole metadata (Hadoop, JDBC, Hive, Glue, Nessie): a commit based on metadata that
 *       still had this run's claim fails if the claim changed since. A REST catalog checks only the
 *       requirements the client sends (table uuid, the branch's snapshot id), not properties: there
 *       the check is on the metadata the commit was just based on, and a takeover landing in that
 *       one round trip is not seen.
 *   <li>Other tables (the errors table, the runs table) have no claim of their own: their check
 *       reads the scored table's claim just before the commit, so a takeover landing between that
 *       read and the commit (one catalog round trip) is not seen.
 * </ul>
 */
public final class ClaimFence {
    private ClaimFence() {}

    /**
     * {@code target} (the scored table itself, or another table of the run) fenced on {@code
     * lease}.
     */
    public static TableLoader loader(
            TableLoader target, ClaimKeeper.Lease lease, boolean holdsClaim) {
        return new FencedLoader(target, holdsClaim ? null : lease.table(), lease);
    }

    /** The scored table, fenced on its own claim. */
    public static Table scored(Table scored, ClaimKeeper.Lease lease) {
        return fence(scored, null, lease);
    }

    /** {@code target}, a table without a claim, fenced on the claim in {@code scored}. */
    public static Table other(Table target, Table scored, ClaimKeeper.Lease lease) {
        TableOperations claims = ((HasTableOperations) scored).operations();
        return fence(target, claims::refresh, lease);
    }

    /** {@code claims}: reads the scored table's metadata now; null: the commit's base has it. */
    private static Table fence(
            Table table, Supplier<TableMetadata> claims, ClaimKeeper.Lease lease) {
        TableOperations ops = ((HasTableOperations) table).operations();
        if (ops instanceof FencedOperations) {
            return table;
        }
        return new BaseTable(
                new FencedOperations(ops, claims, table.name(), lease),
                table.name(),
                table instanceof BaseTable base
                        ? base.reporter()
                        : LoggingMetricsReporter.instance());
    }

    /** Throws {@link RunFencedException} unless {@code metadata} holds {@code lease}'s claim. */
    static void check(TableMetadata metadata, String committing, ClaimKeeper.Lease lease) {
        Run run = lease.run();
        String text = metadata.properties().get(RunLedger.CLAIM_PROPERTY + run.pipelineId());
        RunClaim held = text == null ? null : RunClaim.decode(text);
        if (held != null && held.token().equals(lease.token())) {
            return;
        }
        throw new RunFencedException(
                "run "
                        + run.runId()
                        + " of pipeline '"
                        + run.pipelineId()
                        + "' was fenced out: "
                        + (held == null
                                ? "its claim was released (./batchscore release) and nobody holds"
                                        + " the pipeline now"
                                : "the pipeline is now claimed by " + held.describe())
                        + "; its commit to "
                        + committing
                        + " was refused and the job stops (what it committed before the takeover"
                        + " stays; the next run skips it)",
                held);
    }

    /** Checks the claim before every commit; everything else is the catalog's own operations. */
    private static final class FencedOperations implements TableOperations {
        private final TableOperations delegate;
        private final Supplier<TableMetadata> claims;
        private final String name;
        private final ClaimKeeper.Lease lease;

        FencedOperations(
                TableOperations delegate,
                Supplier<TableMetadata> claims,
                String name,
                ClaimKeeper.Lease lease) {
            this.delegate = delegate;
            this.claims = claims;
            this.name = name;
            this.lease = lease;
        }

        @Override
        public void commit(TableMetadata base, TableMetadata metadata) {
            check(claims == null ? base : claims.get(), name, lease);
            delegate.commit(base, metadata);
        }

        @Override
        public TableMetadata current() {
            return delegate.current();
        }

        @Override
        public TableMetadata refresh() {
            return delegate.refresh();
        }

        @Override
        public FileIO io() {
            return delegate.io();
        }

        @Override
        public EncryptionManager encryption() {
            return delegate.encryption();
        }

        @Override
        public String metadataFileLocation(String fileName) {
            return delegate.metadataFileLocation(fileName);
        }

        @Override
        public LocationProvider locationProvider() {
            return delegate.locationProvider();
        }

        @Override
        public TableOperations temp(TableMetadata uncommittedMetadata) {
            return delegate.temp(uncommittedMetadata);
        }

        @Override
        public long newSnapshotId() {
            return delegate.newSnapshotId();
        }

        @Override
        public boolean requireStrictCleanup() {
            return delegate.requireStrictCleanup();
        }
    }

    /** A {@link TableLoader} whose tables are fenced; serialisable into the job like any loader. */
    private static final class FencedLoader implements TableLoader {
        private static final long serialVersionUID = 1L;

        private final TableLoader target;
        private final TableLoader claimTable; // null: the target holds the claim
        private final ClaimKeeper.Lease lease;

        FencedLoader(TableLoader target, TableLoader claimTable, ClaimKeeper.Lease lease) {
            this.target = target;
            this.claimTable = claimTable == null ? null : claimTable.clone();
            this.lease = Objects.requireNonNull(lease, "lease");
        }

        @Override
        public void open() {
            target.open();
            if (claimTable != null) {
                claimTable.open();
            }
        }

        @Override
        public boolean isOpen() {
            return target.isOpen() && (claimTable == null || claimTable.isOpen());
        }

        @Override
        public Table loadTable() {
            Table table = target.loadTable();
            return claimTable == null
                    ? scored(table, lease)
                    : other(table, claimTable.loadTable(), lease);
        }

        @Override
        @SuppressWarnings({"MethodDoesntCallSuperMethod", "checkstyle:NoClone"})
        public TableLoader clone() {
            return new FencedLoader(target.clone(), claimTable, lease);
        }

        @Override
        public void close() throws java.io.IOException {
            try {
                target.close();
            } finally {
                if (claimTable != null) {
                    claimTable.close();
                }
            }
        }

        @Override
        public String toString() {
            return "fenced on the claim of run " + lease.run().runId() + ": " + target;
        }
    }
}
