package dev.batchscore.pipeline.runs;

import java.net.InetAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The claim a run holds on its pipeline while it runs, kept in the scored table's property {@code
 * batchscore.claim.<pipeline id>} (see {@link RunLedger#claim}). It is a lease: the holder renews
 * {@link #expiresAt} with {@link RunLedger#heartbeat}; once it has passed, another run may take the
 * claim over.
 *
 * @param runId the run that holds the claim
 * @param claimedAt when it was taken
 * @param heartbeatAt when it was last renewed
 * @param expiresAt until when it holds without a further heartbeat
 * @param lease how far each heartbeat moves {@link #expiresAt} ({@code pipeline.claim-timeout})
 * @param holder who took it: host and process id of the client that planned the run
 * @param token unique per claim taken, so a writer recognises its own commit
 */
public record RunClaim(
        String runId,
        Instant claimedAt,
        Instant heartbeatAt,
        Instant expiresAt,
        Duration lease,
        String holder,
        String token) {

    /** A new claim for {@code runId} by this process, taken now. */
    static RunClaim take(String runId, Duration lease, Instant now) {
        return new RunClaim(
                runId,
                now,
                now,
                now.plus(lease),
                lease,
                thisProcess(),
                UUID.randomUUID().toString());
    }

    /** The same claim renewed at {@code now}. */
    RunClaim renewed(Instant now) {
        return new RunClaim(runId, claimedAt, now, now.plus(lease), lease, holder, token);
    }

    public boolean expired(Instant now) {
        return !now.isBefore(expiresAt);
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
        StringBuilder out = new StringBuilder();
        fields.forEach(
                (k, v) ->
                        out.append(out.isEmpty() ? "" : "; ")
                                .append(k)
                                .append('=')
                                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return out.toString();
    }

    static RunClaim decode(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : text.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                fields.put(
                        part.substring(0, eq).trim(),
                        URLDecoder.decode(part.substring(eq + 1).trim(), StandardCharsets.UTF_8));
            }
        }
        try {
            return new RunClaim(
                    fields.get("run-id"),
                    Instant.parse(fields.get("claimed-at")),
                    Instant.parse(fields.get("heartbeat-at")),
                    Instant.parse(fields.get("expires-at")),
                    Duration.parse(fields.get("lease")),
                    fields.getOrDefault("holder", "?"),
                    fields.getOrDefault("token", ""));
        } catch (RuntimeException e) {
            // Unreadable (edited by hand?): treat as expired so it cannot block forever.
            return new RunClaim(
                    String.valueOf(fields.get("run-id")),
                    Instant.EPOCH,
                    Instant.EPOCH,
                    Instant.EPOCH,
                    Duration.ZERO,
                    "unreadable claim '" + text + "'",
                    "");
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
