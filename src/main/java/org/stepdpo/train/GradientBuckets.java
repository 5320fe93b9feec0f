package org.stepdpo.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How gradients travel between workers: the tensors, in order, grouped into buckets of whole
 * tensors of at most {@code bucketFloats} floats (a larger tensor goes alone), one exchange round
 * each, so that no vector the size of the model is ever built. Sharded optimizer state follows the
 * same buckets.
 */
final class GradientBuckets {
    private GradientBuckets() {}

    /** The tensor names of each bucket, given each tensor's element count in order. */
    static List<List<String>> of(Map<String, Long> sizes, long bucketFloats) {
        List<List<String>> buckets = new ArrayList<>();
        List<String> bucket = new ArrayList<>();
        long floats = 0;
        for (Map.Entry<String, Long> e : sizes.entrySet()) {
            if (!bucket.isEmpty() && floats + e.getValue() > bucketFloats) {
                buckets.add(List.copyOf(bucket));
                bucket.clear();
                floats = 0;
            }
            bucket.add(e.getKey());
            floats += e.getValue();
        }
        if (!bucket.isEmpty()) {
            buckets.add(List.copyOf(bucket));
        }
        return buckets;
    }
}
