package dev.batchscore.pipeline.config;

import java.util.function.Consumer;

/**
 * A mutable copy of a settings record, so that each {@code withX} method names only the fields it
 * changes: {@code return new Copy(this).edit(c -> c.groupId = id);}. {@link #edit} builds the
 * record again, so its constructor checks the changed value (Java 17 records have no {@code with}
 * expression).
 *
 * @param <R> the settings record
 * @param <C> the record's own copy class
 */
abstract class SettingsCopy<R, C extends SettingsCopy<R, C>> {

    /** The record with the copy's values. */
    abstract R settings();

    /** Applies {@code change} to this copy and builds the record from it. */
    @SuppressWarnings("unchecked")
    final R edit(Consumer<C> change) {
        change.accept((C) this);
        return settings();
    }
}
