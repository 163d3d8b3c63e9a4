package dev.batchscore.sql;

import java.io.Serializable;
import java.util.List;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * How one {@code CREATE MODEL} is wired to its SavedModel, checked when the query is planned
 * ({@link ModelSchemaCheck}) and shipped to every task.
 *
 * @param model the model's name in the catalog, for messages
 * @param exportDir the version directory planned for the query (a TF Serving base directory is
 *     resolved once, so every task loads the same version): a local path, or a Flink filesystem URI
 *     each task copies to local disk ({@link ModelPaths#local})
 * @param scoring signature, tags, threads and batching
 * @param inputFields per INPUT column (in order), the record field (signature input or feature) it
 *     feeds
 * @param inputTypes per INPUT column, its SQL type
 * @param outputKeys per OUTPUT column, the signature output it takes; null for the error column
 * @param outputTypes per OUTPUT column, its SQL type
 * @param errorIndex the error column's position in OUTPUT, or -1 when errors fail the job
 */
record ModelBinding(
        String model,
        String exportDir,
        ScoringSettings scoring,
        List<String> inputFields,
        List<LogicalType> inputTypes,
        List<String> outputKeys,
        List<LogicalType> outputTypes,
        int errorIndex)
        implements Serializable {}
