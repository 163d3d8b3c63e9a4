package dev.batchscore.pipeline.runs;

import org.apache.flink.runtime.throwable.ThrowableAnnotation;
import org.apache.flink.runtime.throwable.ThrowableType;

/**
 * A commit of a run's job was refused because the run no longer holds its pipeline's claim: it was
 * released ({@code ./batchscore release}) or taken over by another run. The message is one line
 * naming the run that holds the claim now, and its holder.
 *
 * <p>Not recoverable: Flink fails the job instead of restarting it, since a restart would be fenced
 * again (the claim does not come back).
 */
@ThrowableAnnotation(ThrowableType.NonRecoverableError)
public final class RunFencedException extends RuntimeException {
    private final RunClaim holder;

    public RunFencedException(String message, RunClaim holder) {
        super(message);
        this.holder = holder;
    }

    /** The claim that fenced this run out, or null if nobody holds the pipeline now. */
    public RunClaim holder() {
        return holder;
    }
}
