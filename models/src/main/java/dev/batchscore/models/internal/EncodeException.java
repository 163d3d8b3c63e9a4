package dev.batchscore.models.internal;

/** One record cannot be turned into tensor values; the message is the record's ENCODE error. */
final class EncodeException extends Exception {
    EncodeException(String message) {
        super(message, null, false, false);
    }
}
