package dev.batchscore.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.rpc.RpcSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalRpcSystemTest {

    @Test
    void theJarIsWrittenOnceAndThenReused(@TempDir Path dir) throws Exception {
        Path jar = LocalRpcSystem.cachedJar(dir);
        assertThat(jar).isRegularFile().hasParent(dir);
        FileTime written = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(jar, written);

        assertThat(LocalRpcSystem.cachedJar(dir)).isEqualTo(jar);
        assertThat(Files.getLastModifiedTime(jar)).isEqualTo(written);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(jar); // no partial files left behind
        }
    }

    @Test
    void aTruncatedCopyIsWrittenAgain(@TempDir Path dir) throws Exception {
        Path jar = LocalRpcSystem.cachedJar(dir);
        long size = Files.size(jar);
        Files.write(jar, new byte[] {1, 2, 3});

        assertThat(LocalRpcSystem.cachedJar(dir)).isEqualTo(jar);
        assertThat(Files.size(jar)).isEqualTo(size);
    }

    @Test
    void theCachedJarGivesARpcSystemThatStartsAnRpcService(@TempDir Path dir) throws Exception {
        RpcSystem system = LocalRpcSystem.fromCache(dir).deref();
        java.net.URL cached = LocalRpcSystem.cachedJar(dir).toUri().toURL();
        try {
            var service = system.localServiceBuilder(new Configuration()).createAndStart();
            try {
                // Pekko itself came from the cached copy, not from a jar Flink extracted.
                assertThat(service.getClass().getClassLoader())
                        .isInstanceOfSatisfying(
                                java.net.URLClassLoader.class,
                                loader -> assertThat(loader.getURLs()).containsExactly(cached));
            } finally {
                service.closeAsync().get();
            }
        } finally {
            system.close();
        }
    }
}
