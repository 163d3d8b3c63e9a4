package dev.batchscore.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.ModelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ModelFetcher} over Flink's local filesystem ({@code file:} URIs go through the same code
 * as {@code s3://}): pinning, the atomic copy, reuse.
 */
class ModelFetcherTest {
    @TempDir Path dir;

    /** A fake SavedModel: only its files matter to the fetcher. */
    private static Path savedModel(Path exportDir, boolean variables) throws Exception {
        Files.createDirectories(exportDir);
        Files.write(exportDir.resolve("saved_model.pb"), new byte[4096]);
        if (variables) {
            Files.createDirectories(exportDir.resolve("variables"));
            Files.writeString(exportDir.resolve("variables/variables.index"), "index");
            Files.write(
                    exportDir.resolve("variables/variables.data-00000-of-00001"), new byte[1000]);
        }
        Files.createDirectories(exportDir.resolve("assets"));
        Files.writeString(exportDir.resolve("assets/vocab.txt"), "a\nb\n", StandardCharsets.UTF_8);
        return exportDir;
    }

    /**
     * A copy of {@code export} in {@code cache} as an earlier process left it: on disk, but not
     * among the copies this JVM made.
     */
    private static Path copiedByAnEarlierProcess(Path export, Path cache) throws Exception {
        Path copy = ModelFetcher.localCopy(uri(export), cache);
        ModelFetcher.forgetCopies();
        return copy;
    }

    private static String uri(Path p) {
        return p.toUri().toString();
    }

    @Test
    void localPathsAndFileUrisAreUsedInPlace() {
        assertThat(ModelFetcher.localPath("/models/churn")).contains(Path.of("/models/churn"));
        assertThat(ModelFetcher.localPath("models/churn")).contains(Path.of("models/churn"));
        assertThat(ModelFetcher.localPath("file:///models/churn"))
                .contains(Path.of("/models/churn"));
        assertThat(ModelFetcher.localPath("file:/models/churn")).contains(Path.of("/models/churn"));
        assertThat(ModelFetcher.localPath("s3://bucket/models/churn")).isEmpty();
        assertThat(ModelFetcher.localPath("hdfs://nn:8020/models/churn")).isEmpty();
    }

    @Test
    void resolvePinsTheHighestVersionOfATfServingBaseDirectory() throws Exception {
        Path base = dir.resolve("churn");
        savedModel(base.resolve("1"), true);
        savedModel(base.resolve("12"), true);
        Files.createDirectories(base.resolve("13")); // being uploaded: no saved_model.pb yet
        Files.createDirectories(base.resolve("notes"));

        ModelFetcher.Resolved resolved = ModelFetcher.resolve(uri(base));
        assertThat(resolved.version()).contains("12");
        assertThat(resolved.exportUri()).endsWith("/churn/12");
        // An export directory resolves to itself.
        assertThat(ModelFetcher.resolve(resolved.exportUri()).exportUri())
                .isEqualTo(resolved.exportUri());
        assertThat(ModelFetcher.resolve(uri(base.resolve("1"))).version()).contains("1");
    }

    @Test
    void resolveNamesModelPathWhenThereIsNoModel() throws Exception {
        Files.createDirectories(dir.resolve("empty/3"));
        assertThatThrownBy(() -> ModelFetcher.resolve(uri(dir.resolve("empty"))))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("no saved_model.pb in model.path")
                .hasMessageContaining("3/");
        assertThatThrownBy(() -> ModelFetcher.resolve(uri(dir.resolve("absent"))))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    void copyKeepsTheVersionNameAndEveryFile() throws Exception {
        Path export = savedModel(dir.resolve("src/churn/00000123"), true);
        Path local = ModelFetcher.localCopy(uri(export), dir.resolve("cache"));

        assertThat(local.getFileName().toString()).isEqualTo("00000123");
        assertThat(local).startsWith(dir.resolve("cache"));
        assertThat(Files.size(local.resolve("saved_model.pb"))).isEqualTo(4096);
        assertThat(local.resolve("variables/variables.data-00000-of-00001")).hasSize(1000);
        assertThat(Files.readString(local.resolve("assets/vocab.txt"))).isEqualTo("a\nb\n");
        assertThat(tempDirs(dir.resolve("cache"))).as("no temporary directory is left").isEmpty();
    }

    @Test
    void concurrentCallersShareOneCopyAndALaterProcessReusesIt() throws Exception {
        Path export = savedModel(dir.resolve("src/model"), true);
        Path cache = dir.resolve("cache");
        int before = ModelFetcher.copiesMade();

        int callers = 8;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Path>> results = new ArrayList<>();
        try {
            for (int i = 0; i < callers; i++) {
                Callable<Path> call =
                        () -> {
                            go.await();
                            return ModelFetcher.localCopy(uri(export), cache);
                        };
                results.add(pool.submit(call));
            }
            go.countDown();
            Set<Path> paths = new HashSet<>();
            for (Future<Path> f : results) {
                paths.add(f.get());
            }
            assertThat(paths).as("every caller gets the same copy").hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(ModelFetcher.copiesMade() - before).as("copies made").isEqualTo(1);

        // A new JVM (a restarted TaskManager on the same disk) finds the complete copy.
        ModelFetcher.forgetCopies();
        Path again = ModelFetcher.localCopy(uri(export), cache);
        assertThat(again).isEqualTo(results.get(0).get());
        assertThat(ModelFetcher.copiesMade() - before).as("copies made").isEqualTo(1);
    }

    @Test
    void aCopyThatCrashedHalfWayIsNeverUsed() throws Exception {
        Path export = savedModel(dir.resolve("src/model"), true);
        Path cache = dir.resolve("cache");
        Path first = ModelFetcher.localCopy(uri(export), cache);
        String key = first.getParent().getFileName().toString();

        // Start over in a "new JVM" with only the crashed copy's temporary directory: the
        // variables are missing, as when the process died while copying them.
        ModelFetcher.forgetCopies();
        deleteTree(first.getParent());
        Path crashed = cache.resolve(".tmp-" + key + "-crashed/model");
        Files.createDirectories(crashed);
        Files.copy(export.resolve("saved_model.pb"), crashed.resolve("saved_model.pb"));

        Path old = cache.resolve(".tmp-" + key + "-died-yesterday");
        Files.createDirectories(old.resolve("model"));
        Files.setLastModifiedTime(
                old,
                java.nio.file.attribute.FileTime.fromMillis(
                        System.currentTimeMillis() - 86_400_000L));

        Path local = ModelFetcher.localCopy(uri(export), cache);
        assertThat(local).isEqualTo(first);
        assertThat(local.resolve("variables/variables.index")).exists();
        assertThat(local.resolve("variables/variables.data-00000-of-00001")).hasSize(1000);
        assertThat(old).as("a day-old temporary directory is deleted").doesNotExist();
        assertThat(crashed).as("a recent one may be another process's copy: kept").exists();
    }

    @Test
    void aDamagedCopyInPlaceIsReplaced() throws Exception {
        Path export = savedModel(dir.resolve("src/model"), true);
        Path cache = dir.resolve("cache");
        Path first = copiedByAnEarlierProcess(export, cache);
        Files.delete(first.resolve("variables/variables.data-00000-of-00001"));
        Files.write(first.resolve("saved_model.pb"), new byte[10]);
        int before = ModelFetcher.copiesMade();

        Path local = ModelFetcher.localCopy(uri(export), cache);
        assertThat(local).isEqualTo(first);
        assertThat(Files.size(local.resolve("saved_model.pb"))).isEqualTo(4096);
        assertThat(local.resolve("variables/variables.data-00000-of-00001")).hasSize(1000);
        assertThat(ModelFetcher.copiesMade() - before).isEqualTo(1);
    }

    @Test
    void aModelRewrittenInPlaceIsCopiedAnew() throws Exception {
        Path export = savedModel(dir.resolve("src/model"), false);
        Path cache = dir.resolve("cache");
        Path first = copiedByAnEarlierProcess(export, cache);
        Files.write(export.resolve("saved_model.pb"), new byte[5000]);

        Path second = ModelFetcher.localCopy(uri(export), cache);
        assertThat(second).isNotEqualTo(first);
        assertThat(Files.size(second.resolve("saved_model.pb"))).isEqualTo(5000);
    }

    @Test
    void anIncompleteUploadIsRefusedBeforeCopying() throws Exception {
        Path export = dir.resolve("src/model");
        Files.createDirectories(export.resolve("variables"));
        Files.write(export.resolve("saved_model.pb"), new byte[10]);
        Files.write(export.resolve("variables/variables.data-00000-of-00001"), new byte[10]);
        assertThatThrownBy(() -> ModelFetcher.localCopy(uri(export), dir.resolve("cache")))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("variables/variables.index");
        assertThat(tempDirs(dir.resolve("cache"))).isEmpty();
    }

    @Test
    void localizeCopiesOnlyRemoteModels() throws Exception {
        Path export = savedModel(dir.resolve("src/model"), false);
        assertThat(ModelFetcher.localize(export.toString(), dir.resolve("cache")))
                .isEqualTo(export);
        assertThat(dir.resolve("cache")).doesNotExist();
    }

    private static List<Path> tempDirs(Path cache) throws Exception {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList();
        }
    }

    private static void deleteTree(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
