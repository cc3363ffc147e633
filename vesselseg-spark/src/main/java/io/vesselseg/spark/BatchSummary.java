package io.vesselseg.spark;

import java.nio.file.Path;

/**
 * What a batch job did, read back from the table it wrote (rows, errors) and from Spark accumulators (work
 * done in this run; a retried task may count twice).
 *
 * @param rows       rows of the table: one per input photograph
 * @param errors     rows with an error
 * @param segmented  photographs segmented in this run
 * @param reused     photographs whose complete result an earlier run had left
 * @param seconds    wall time of the job, from the Spark session's start to the table's end
 * @param table      the Parquet dataset written
 * @param model      the model's name
 * @param modelSha256 SHA-256 of the model's bytes
 */
public record BatchSummary(long rows, long errors, long segmented, long reused, double seconds, Path table,
    String model, String modelSha256) {}
