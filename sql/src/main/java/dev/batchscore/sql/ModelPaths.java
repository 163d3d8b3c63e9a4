package dev.batchscore.sql;

import dev.batchscore.models.ModelException;
import java.net.URI;
import java.nio.file.Path;

/**
 * Where the {@code path} option of a model points on this machine. The one place a model location
 * is turned into a local directory: local paths and {@code file://} URIs today; remote filesystems
 * (s3://) plug in here once the operators' model fetcher lands.
 */
final class ModelPaths {
    private ModelPaths() {}

    static Path resolve(String path) {
        String p = path.strip();
        int colon = p.indexOf(':');
        // "C:\..." style drive letters are not schemes; neither is a path without ':'.
        if (colon > 1 && !p.startsWith("/")) {
            String scheme = p.substring(0, colon);
            if (!scheme.equalsIgnoreCase("file")) {
                throw new ModelException(
                        "model path '"
                                + path
                                + "' uses the scheme '"
                                + scheme
                                + "', which the tensorflow provider cannot read yet: copy the model"
                                + " to a local directory (or one every TaskManager mounts) and give"
                                + " that path or a file:// URI");
            }
            return Path.of(URI.create(p)).toAbsolutePath().normalize();
        }
        return Path.of(p).toAbsolutePath().normalize();
    }
}
