package dev.batchscore.models;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What a loaded SavedModel offers.
 *
 * @param exportDir the directory that holds {@code saved_model.pb}
 * @param version the numeric version directory the model came from, if any
 * @param tags the tag set that was loaded
 * @param signatures every signature of that meta graph
 */
public record ModelDescription(
        Path exportDir, OptionalLong version, Set<String> tags, List<SignatureSpec> signatures) {}
