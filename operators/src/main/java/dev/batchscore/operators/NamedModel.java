package dev.batchscore.operators;

import java.io.Serializable;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One of several models a job scores every micro-batch with ({@code models.<name>.*}): its name,
 * which prefixes its output columns ({@code <name>_<output>}, {@code <name>_model_version}), its
 * role, and a one-model {@link ScoringSpec} that carries its path, tags, signature, input mapping
 * and (once planned) outputs.
 *
 * @param name a column-name prefix: letters, digits and underscores, starting with a letter
 * @param role whether the model's failures are the run's ({@link Role#CHAMPION}) or only counted
 *     ({@link Role#SHADOW})
 * @param spec the model's own spec; its batching, format, passthrough and run fields are not used
 */
public record NamedModel(String name, Role role, ScoringSpec spec) implements Serializable {
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

    /** {@code models.<name>.role}. */
    public enum Role {
        /** Scores, combines and fails records like the one model of a one-model job. */
        CHAMPION,
        /**
         * Scores every record and writes its columns, but never fails the run or drops a row: a
         * record it cannot score gets nulls in its columns and an error row naming it, counted
         * apart.
         */
        SHADOW;

        /** The option value: {@code champion}, {@code shadow}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public NamedModel {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(spec, "spec");
        checkName(name);
    }

    /** Refuses a name that cannot prefix a column, in one line. */
    public static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "model name '"
                            + name
                            + "' cannot prefix a column: use letters, digits and underscores,"
                            + " starting with a letter (e.g. champion, challenger_v2)");
        }
    }

    /** The column of this model's output {@code key}: {@code <name>_<key>}. */
    public String column(String outputKey) {
        return name + "_" + outputKey;
    }

    /** The column of this model's version: {@code <name>_model_version}. */
    public String versionColumn() {
        return name + ScoredRows.MODEL_VERSION;
    }

    public boolean shadow() {
        return role == Role.SHADOW;
    }

    /** This model with its spec replaced (e.g. once its outputs are resolved). */
    public NamedModel withSpec(ScoringSpec newSpec) {
        return new NamedModel(name, role, newSpec);
    }
}
