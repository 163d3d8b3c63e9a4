package dev.batchscore.pipeline.iceberg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.pipeline.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warehouse probe through the catalog's own FileIO ({@code io-impl}, as for S3FileIO), here
 * Iceberg's HadoopFileIO on local disk.
 */
class WarehouseProbeTest {
    private static final Map<String, String> FILE_IO =
            Map.of("io-impl", "org.apache.iceberg.hadoop.HadoopFileIO");

    @TempDir Path dir;

    @Test
    void aWritableWarehouseIsLeftAsItWas() throws Exception {
        Path warehouse = Files.createDirectories(dir.resolve("wh"));
        WarehouseProbe.check(warehouse.toUri().toString(), FILE_IO);
        try (Stream<Path> left = Files.list(warehouse)) {
            assertThat(left.toList()).as("the probe file is deleted again").isEmpty();
        }
    }

    @Test
    void anUnwritableWarehouseFailsNamingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        String warehouse = file.toUri() + "/wh";
        assertThatThrownBy(() -> WarehouseProbe.check(warehouse, FILE_IO))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("sink.iceberg.catalog.warehouse '" + warehouse + "'")
                .hasMessageContaining("cannot be written");
    }

    @Test
    void anUnknownFileIoFailsNamingTheWarehouse() {
        assertThatThrownBy(
                        () ->
                                WarehouseProbe.check(
                                        dir.toUri().toString(),
                                        Map.of("io-impl", "com.example.NoSuchFileIO")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cannot be written");
    }
}
