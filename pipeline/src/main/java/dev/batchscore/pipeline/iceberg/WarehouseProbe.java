package dev.batchscore.pipeline.iceberg;

import dev.batchscore.pipeline.config.ConfigException;
import java.io.IOException;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.io.FileIO;

/**
 * Proves a warehouse location can be written before any table is created: creates a small directory
 * and file in the warehouse (or, when it does not exist yet, in its nearest existing ancestor, so a
 * missing warehouse is not created by the check) and deletes them again. Permission bits alone
 * would not do: root ignores them, and object stores have none.
 */
public final class WarehouseProbe {
    private WarehouseProbe() {}

    /**
     * As {@link #check(String)}, through the catalog's own FileIO when its properties name one
     * ({@code io-impl}, e.g. Iceberg's {@code S3FileIO} for an {@code s3://} warehouse, which
     * Hadoop's filesystems do not know): a small file is written to the warehouse and deleted.
     */
    public static void check(String warehouse, Map<String, String> catalogProperties) {
        String ioImpl = catalogProperties.get(CatalogProperties.FILE_IO_IMPL);
        if (ioImpl == null || ioImpl.isBlank()) {
            check(warehouse);
            return;
        }
        String probe =
                warehouse.replaceAll("/+$", "") + "/.batchscore-write-probe-" + UUID.randomUUID();
        try (FileIO io = CatalogUtil.loadFileIO(ioImpl, catalogProperties, new Configuration())) {
            io.newOutputFile(probe).create().close();
            io.deleteFile(probe);
        } catch (IOException | RuntimeException e) {
            throw failed(
                    warehouse,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

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
