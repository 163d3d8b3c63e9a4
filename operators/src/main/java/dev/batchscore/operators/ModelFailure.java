package dev.batchscore.operators;

import java.util.Locale;

/**
 * {@code errors.on-model-failure}: with several models, what happens to the row of a record that
 * one champion model could not score (the record is a dead letter naming that model either way). A
 * shadow model's failure never drops a row: its columns are null.
 */
public enum ModelFailure {
    /** No scored row: the record is only in the errors table. */
    DROP_ROW,
    /** The row is written with the failed model's columns (and the ensemble column) null. */
    NULL_OUTPUTS;

    /** The option value: {@code drop-row}, {@code null-outputs}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String toString() {
        return label();
    }
}
