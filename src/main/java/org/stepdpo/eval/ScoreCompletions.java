package org.stepdpo.eval;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import scala.jdk.javaapi.CollectionConverters;
import org.slf4j.LoggerFactory;
import org.stepdpo.generate.Completion;
import org.stepdpo.generate.Problem;
import org.stepdpo.math.Grade;
import org.stepdpo.math.Grader;

/** Grades each completion against its problem's gold answers; one output row of {@link #SCHEMA} each. */
public final class ScoreCompletions implements FlatMapFunction<Iterator<Completion>, Row> {
    private static final Logger LOG = LoggerFactory.getLogger(ScoreCompletions.class);

    /** Per-sample output columns. */
    public static final StructType SCHEMA = new StructType()
            .add("idx", DataTypes.StringType, false)
            .add("dataset", DataTypes.StringType, false)
            .add("type", DataTypes.StringType)
            .add("level", DataTypes.StringType)
            .add("prompt", DataTypes.StringType, false)
            .add("completion", DataTypes.StringType, false)
            .add("extracted", DataTypes.StringType, false)
            .add("gold", DataTypes.createArrayType(DataTypes.StringType, false), false)
            .add("correct", DataTypes.BooleanType, false)
            .add("valid", DataTypes.BooleanType, false)
            .add("source_file", DataTypes.StringType, false)
            .add("source_line", DataTypes.LongType, false)
            .add("prompt_tokens", DataTypes.IntegerType)
            .add("new_tokens", DataTypes.IntegerType)
            .add("finish", DataTypes.StringType);

    @Override
    public Iterator<Row> call(Iterator<Completion> completions) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return completions.hasNext();
            }

            @Override
            public Row next() {
                return score(completions.next());
            }
        };
    }

    /** Grades one completion; token counts and finish are null for completions that were not generated here. */
    static Row score(Completion c) {
        Problem p = c.problem();
        Grade g;
        try {
            g = Grader.gradeCompletion(p.completion(), p.answers());
        } catch (RuntimeException e) {
            // The grader bounds its own work; anything else is a grader defect, logged, never fatal.
            LOG.warn("grading failed for {} ({}:{}): {}", p.idx(), p.file(), p.line(), e.toString());
            g = new Grade(List.of(), false);
        }
        boolean generated = c.finish() != null;
        return RowFactory.create(p.idx(), p.dataset(), p.type(), p.level(),
                c.prompt(), p.completion(), g.extractedText(), CollectionConverters.asScala(p.answers()).toSeq(),
                g.correct(), g.valid(), p.file(), p.line(), generated ? c.promptTokens() : null,
                generated ? c.newTokens() : null, c.finish());
    }
}
