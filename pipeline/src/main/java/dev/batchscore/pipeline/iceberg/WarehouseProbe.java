package dev.batchscore.pipeline.iceberg;

import dev.batchscore.pipeline.config.ConfigException;
import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Proves a warehouse location can be written before any table is created: creates a small directory
 * and file in the warehouse (or, when it does not exist yet, in its nearest existing ancestor, so a
 * missing warehouse is not created by the check) and deletes them again. Permission bits alone
 * would not do: root ignores them, and object stores have none.
 */
public final class WarehouseProbe {
    private WarehouseProbe() {}

    /** Throws {@link ConfigException} naming the warehouse when it cannot be written. */
    public static void check(String warehouse) {
        Path probe = null;
        FileSystem fs = null;
        try {
            Path target = new Path(warehouse);
            fs = target.getFileSystem(new Configuration());
            Path existing = target;
            while (existing != null && !fs.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null) {
                throw failed(warehouse, "neither it nor any parent exists");
            }
            FileStatus status = fs.getFileStatus(existing);
            if (!status.isDirectory()) {
                throw failed(warehouse, existing + " is a file, not a directory");
            }
            probe = new Path(existing, ".batchscore-write-probe-" + UUID.randomUUID());
            if (!fs.mkdirs(probe)) {
                throw failed(warehouse, "cannot create a directory in " + existing);
            }
            fs.create(new Path(probe, "probe"), false).close();
        } catch (IOException | RuntimeException e) {
            if (e instanceof ConfigException ce) {
                throw ce;
            }
            throw failed(
                    warehouse,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        } finally {
            if (probe != null) {
                try {
                    fs.delete(probe, true);
                } catch (IOException e) {
                    // A probe that cannot be deleted is harmless (a dot-directory the catalog
                    // ignores).
                }
            }
        }
    }

    private static ConfigException failed(String warehouse, String why) {
        return new ConfigException(
                "sink.iceberg.catalog.warehouse '"
                        + warehouse
                        + "' cannot be written ("
                        + why.lines().findFirst().orElse(why)
                        + "): point it at a writable directory or fix its permissions");
    }
}
