package dev.batchscore.models;

import java.util.List;

/** One signature of a SavedModel: its key, method name and inputs and outputs, in order. */
public record SignatureSpec(
        String key, String methodName, List<TensorSpec> inputs, List<TensorSpec> outputs) {}
