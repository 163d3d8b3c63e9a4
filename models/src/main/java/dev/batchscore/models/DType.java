package dev.batchscore.models;

/**
 * The tensor element types batchscore encodes and decodes. Anything else is {@link #UNSUPPORTED}.
 */
public enum DType {
    FLOAT,
    DOUBLE,
    INT32,
    INT64,
    BOOL,
    STRING,
    UNSUPPORTED
}
