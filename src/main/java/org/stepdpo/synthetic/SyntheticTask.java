package org.stepdpo.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The synthetic task: word problems drawn from a seed and a {@link Difficulty}, deterministically.
 * Candidate {@code i} depends only on the seed, the difficulty and {@code i}; a problem's split is
 * decided by a hash of its text (test 20%, pairs-source 20%, sft 60%), so the splits never share a
 * problem, whatever seeds they are drawn with.
 */
public final class SyntheticTask {
    /** The shipped splits; each owns a range of the ten text-hash buckets. */
    public enum Split {
        TEST("test", 0, 2), PAIRS_SOURCE("pairs-source", 2, 4), SFT("sft", 4, 10);

        public final String label;
        private final int fromBucket;
        private final int toBucket;

        Split(String label, int fromBucket, int toBucket) {
            this.label = label;
            this.fromBucket = fromBucket;
            this.toBucket = toBucket;
        }

        /** Whether a problem text belongs to this split. */
        public boolean owns(String text) {
            int b = bucket(text);
            return b >= fromBucket && b < toBucket;
        }

        public static Split of(String label) {
            for (Split s : values()) {
                if (s.label.equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown split '" + label + "': expected test, pairs-source or sft");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TRIES = 1000;

    private final long seed;
    private final Difficulty difficulty;

    public SyntheticTask(long seed, Difficulty difficulty) {
        this.seed = seed;
        this.difficulty = difficulty;
    }

    /** Candidate problem {@code i}: a family and a step count drawn uniformly, then the family's draws. */
    public SyntheticProblem candidate(long i) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i * 0xC2B2AE3D27D4EB4FL + 1);
        for (int t = 0; t < MAX_TRIES; t++) {
            String family = difficulty.families().get(random.nextInt(difficulty.families().size()));
            int steps = difficulty.minSteps() + random.nextInt(difficulty.maxSteps() - difficulty.minSteps() + 1);
            SyntheticProblem p = Families.write(family, new Story(random, difficulty), steps);
            if (p != null && p.level() == steps) {
                return p;
            }
        }
        throw new IllegalStateException("no problem found for candidate " + i + " in " + MAX_TRIES + " draws: "
                + "the difficulty " + difficulty + " leaves too little room");
    }

    /** The first {@code n} distinct problems of a split, in candidate order. */
    public List<SyntheticProblem> split(Split split, int n) {
        List<SyntheticProblem> out = new ArrayList<>(n);
        Set<String> seen = new HashSet<>();
        for (long i = 0; out.size() < n; i++) {
            SyntheticProblem p = candidate(i);
            if (split.owns(p.text()) && seen.add(p.text())) {
                out.add(p);
            }
        }
        return out;
    }

    /** A row in EvalJob's input format (also SftJob's: {@code instruction} and {@code output}). */
    public static String row(SyntheticProblem p, String idx) {
        ObjectNode row = JSON.createObjectNode();
        row.put("idx", idx);
        row.put("instruction", p.text());
        row.put("output", p.solution());
        row.putArray("answer").add(Long.toString(p.answer()));
        row.put("dataset", "synthetic");
        row.put("type", p.family());
        row.put("level", p.level());
        return row.toString();
    }

    /** FNV-1a over the UTF-8 bytes, folded to ten buckets. */
    static int bucket(String text) {
        long h = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return (int) Long.remainderUnsigned(h, 10);
    }
}
