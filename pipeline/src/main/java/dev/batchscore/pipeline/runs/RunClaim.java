package dev.batchscore.pipeline.runs;

import java.io.Serializable;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The claim a run holds on its pipeline while it runs, kept in the scored table's property {@code
 * batchscore.claim.<pipeline id>} (see {@link RunLedger#claim}). It is a lease: the holder renews
 * it with {@link RunLedger#heartbeat}, which counts {@link #beats}. Whether a lease ran out is
 * judged on one clock, the claimant's: another run takes the claim over only after it watched
 * {@link #beats} stand still for a full {@link #lease} (the wall-clock times here are for people).
 *
 * @param runId the run that holds the claim
 * @param claimedAt when it was taken
 * @param heartbeatAt when it was last renewed
 * @param expiresAt until when it holds without a further heartbeat
 * @param lease how far each heartbeat moves {@link #expiresAt} ({@code pipeline.claim-timeout})
 * @param holder who took it: host and process id of the client that planned the run
 * @param token unique per claim taken, decided by the client that claims: the job's commits and its
 *     release carry it (see {@link ClaimFence})
 * @param beats heartbeats so far: what a claimant watches to tell a live holder from a dead one
 */
public record RunClaim(
        String runId,
        Instant claimedAt,
        Instant heartbeatAt,
        Instant expiresAt,
        Duration lease,
        String holder,
        String token,
        long beats)
        implements Serializable {

    /** A new claim for {@code runId} by this process, taken now. */
    static RunClaim take(String runId, Duration lease, Instant now) {
        return new RunClaim(
                runId,
                now,
                now,
                now.plus(lease),
                lease,
                thisProcess(),
                UUID.randomUUID().toString(),
                0);
    }

    /** The same claim renewed at {@code now}: one more beat. */
    RunClaim renewed(Instant now) {
        return new RunClaim(
                runId, claimedAt, now, now.plus(lease), lease, holder, token, beats + 1);
    }

    /** Whether this is the same claim at the same beat: its holder did not renew it in between. */
    boolean sameBeat(RunClaim other) {
        return other != null && token.equals(other.token) && beats == other.beats;
    }

    /**
     * Whether the claim is live by its own times, seen from {@code now}: not expired, and renewed
     * no further ahead than one lease (a holder's clock far ahead of ours is not believed).
     */
    boolean looksLive(Instant now) {
        return now.isBefore(expiresAt) && heartbeatAt.isBefore(now.plus(lease));
    }

    /** For messages: {@code run R (claimed at .., last heartbeat .., expires .., held by ..)}. */
    public String describe() {
        return "run "
                + runId
                + " (claimed at "
                + claimedAt
                + ", last heartbeat "
                + heartbeatAt
                + ", lease expires "
                + expiresAt
                + ", held by "
                + holder
                + ")";
    }

    /** {@code key=value; ...} with URL-encoded values: readable in SHOW TBLPROPERTIES. */
    String encode() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("run-id", runId);
        fields.put("claimed-at", claimedAt.toString());
        fields.put("heartbeat-at", heartbeatAt.toString());
        fields.put("expires-at", expiresAt.toString());
        fields.put("lease", lease.toString());
        fields.put("holder", holder);
        fields.put("token", token);
        fields.put("beats", Long.toString(beats));
        return KeyValues.encode(fields);
    }

    static RunClaim decode(String text) {
        Map<String, String> fields = KeyValues.decode(text);
        try {
            return new RunClaim(
                    fields.get("run-id"),
                    Instant.parse(fields.get("claimed-at")),
                    Instant.parse(fields.get("heartbeat-at")),
                    Instant.parse(fields.get("expires-at")),
                    Duration.parse(fields.get("lease")),
                    fields.getOrDefault("holder", "?"),
                    fields.getOrDefault("token", ""),
                    Long.parseLong(fields.getOrDefault("beats", "0")));
        } catch (RuntimeException e) {
            // Unreadable (edited by hand?): it never beats, so a claimant takes it over after a
            // lease of its own.
            return new RunClaim(
                    String.valueOf(fields.get("run-id")),
                    Instant.EPOCH,
                    Instant.EPOCH,
                    Instant.EPOCH,
                    Duration.ZERO,
                    "unreadable claim '" + text + "'",
                    "",
                    0);
        }
    }

    static String thisProcess() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        return host + " pid " + ProcessHandle.current().pid();
    }
}
