package dev.batchscore.pipeline.runs;

/**
 * Another run holds the pipeline's claim and its lease has not expired: this run must not start.
 * The message is one line naming the holding run and how to clear a stale claim.
 */
public final class RunClaimedException extends RuntimeException {
    /** Exit code of {@code ./batchscore run} refused because another run holds the pipeline. */
    public static final int EXIT_CODE = 4;

    private final RunClaim claim;

    public RunClaimedException(String message, RunClaim claim) {
        super(message);
        this.claim = claim;
    }

    /** The claim that blocked this run. */
    public RunClaim claim() {
        return claim;
    }
}
