package dev.batchscore.operators;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;

/**
 * One scored micro-batch: the scored rows ({@code f0}) and the error rows ({@code f1}). A {@link
 * Tuple2} so that its {@link #typeInfo explicit type information} is a tuple of two lists of {@link
 * InternalTypeInfo} rows and Flink never falls back to Kryo.
 */
public final class ScoredBatch extends Tuple2<List<RowData>, List<RowData>> {
    private static final long serialVersionUID = 1L;

    /** Flink's tuple serializer needs this. */
    public ScoredBatch() {
        super(new ArrayList<>(), new ArrayList<>());
    }

    public ScoredBatch(List<RowData> scored, List<RowData> errors) {
        super(scored, errors);
    }

    public List<RowData> scored() {
        return f0;
    }

    public List<RowData> errors() {
        return f1;
    }

    /** The type information of batches scored under {@code spec}. */
    public static TypeInformation<ScoredBatch> typeInfo(ScoringSpec spec) {
        return new TupleTypeInfo<>(
                ScoredBatch.class,
                new ListTypeInfo<>(InternalTypeInfo.of(ScoredRows.scoredRowType(spec))),
                new ListTypeInfo<>(InternalTypeInfo.of(ScoredRows.errorRowType())));
    }
}
