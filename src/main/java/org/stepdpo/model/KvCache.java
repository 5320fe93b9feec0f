package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

/**
 * Keys and values of every layer for the tokens seen so far, plus the padding mask over them, so
 * that incremental decoding feeds one new token at a time. Storage is preallocated for
 * {@code capacity} tokens (doubling if exceeded) and written in place; a step reads views of the
 * filled part. Rows can leave ({@link #keepRows}) when their sequences finish. Owns its arrays in
 * its own manager: close it (try-with-resources) when done.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;   // [B, nKv, capacity, d]
    private final NDArray[] values; // [B, nKv, capacity, d]
    private NDArray mask;           // [B, capacity]: 1 for real tokens, 0 for padding
    private long capacity;
    private long length;

    /** An empty cache for {@code layers} layers with room for {@code capacity} tokens. */
    public KvCache(NDManager parent, int layers, long capacity) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.capacity = Math.max(1, capacity);
    }

    /** Tokens cached so far. */
    public long length() {
        return length;
    }

    /** Rows cached. */
    public long rows() {
        return mask == null ? 0 : mask.getShape().get(0);
    }

    /** Writes this step's padding mask [B, T] after the cached tokens; returns the mask over all of them. */
    NDArray extendMask(NDArray newMask) {
        long t = newMask.getShape().get(1);
        if (mask == null) {
            mask = own(manager.zeros(new Shape(newMask.getShape().get(0), capacity), newMask.getDataType(),
                    newMask.getDevice()));
        }
        ensureCapacity(length + t);
        Views.write(mask, 1, length, newMask);
        return Views.range(mask, 1, 0, length + t);
    }

    /** Writes this step's keys and values [B, nKv, T, d] for {@code layer}; returns views of all cached ones. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        long t = k.getShape().get(2);
        if (keys[layer] == null) {
            Shape shape = new Shape(k.getShape().get(0), k.getShape().get(1), capacity, k.getShape().get(3));
            keys[layer] = own(manager.zeros(shape, k.getDataType(), k.getDevice()));
            values[layer] = own(manager.zeros(shape, v.getDataType(), v.getDevice()));
        }
        Views.write(keys[layer], 2, length, k);
        Views.write(values[layer], 2, length, v);
        return new NDArray[] {Views.range(keys[layer], 2, 0, length + t), Views.range(values[layer], 2, 0, length + t)};
    }

    /** Marks the {@code t} tokens of the step just written as cached. */
    void advance(long t) {
        length += t;
    }

    /** Keeps only the given rows (in that order), e.g. when the other sequences have finished. */
    public void keepRows(long[] rows) {
        NDArray index = manager.create(rows).toDevice(mask.getDevice(), false);
        for (int i = 0; i < keys.length; i++) {
            keys[i] = replace(keys[i], keys[i].get(index));
            values[i] = replace(values[i], values[i].get(index));
        }
        mask = replace(mask, mask.get(index));
        index.close();
    }

    /**
     * Whether storage exists: the first {@link #append} creates it, or {@link #allocateLike} for a
     * cache that rows are copied into.
     */
    boolean allocated() {
        return mask != null && keys.length > 0 && keys[0] != null;
    }

    /**
     * Creates storage for {@code rows} rows, each layer shaped like {@code like}'s but for its rows,
     * holding {@code length} columns of padding (so rows copied in can end there).
     */
    void allocateLike(KvCache like, long rows, long length) {
        capacity = Math.max(capacity, length + 1);
        for (int i = 0; i < keys.length; i++) {
            long[] shape = like.keys[i].getShape().getShape();
            shape[0] = rows;
            shape[2] = capacity;
            keys[i] = own(manager.zeros(new Shape(shape), like.keys[i].getDataType(), like.keys[i].getDevice()));
            values[i] = own(manager.zeros(new Shape(shape), like.values[i].getDataType(), like.values[i].getDevice()));
        }
        mask = own(manager.zeros(new Shape(rows, capacity), like.mask.getDataType(), like.mask.getDevice()));
        this.length = length;
    }

    /** Adds {@code n} empty rows (all padding) after the existing ones. */
    void addRows(long n) {
        for (int i = 0; i < keys.length; i++) {
            keys[i] = replace(keys[i], grow(keys[i], 0, keys[i].getShape().get(0) + n));
            values[i] = replace(values[i], grow(values[i], 0, values[i].getShape().get(0) + n));
        }
        mask = replace(mask, grow(mask, 0, mask.getShape().get(0) + n));
    }

    /**
     * Inserts {@code n} padding columns before the cached tokens (so that a longer prompt can end
     * where every row's next token goes); {@code n < 0} drops the first {@code -n} columns instead,
     * which must be padding in every row.
     */
    void shiftColumns(long n) {
        if (n == 0) {
            return;
        }
        long kept = n > 0 ? length : length + n;
        long newCapacity = Math.max(capacity, kept + Math.max(n, 0) + 1);
        for (int i = 0; i < keys.length; i++) {
            keys[i] = replace(keys[i], shifted(keys[i], 2, n, kept, newCapacity));
            values[i] = replace(values[i], shifted(values[i], 2, n, kept, newCapacity));
        }
        mask = replace(mask, shifted(mask, 1, n, kept, newCapacity));
        capacity = newCapacity;
        length += n;
    }

    private NDArray shifted(NDArray a, int axis, long n, long kept, long newCapacity) {
        long[] shape = a.getShape().getShape();
        shape[axis] = newCapacity;
        NDArray out = manager.zeros(new Shape(shape), a.getDataType(), a.getDevice());
        long from = n > 0 ? 0 : -n;
        if (kept > 0) {
            // the view shares a's storage: closed here, or it would keep the old cache alive
            try (NDArray view = Views.range(a, axis, from, from + kept)) {
                Views.write(out, axis, Math.max(n, 0), view);
            }
        }
        return out;
    }

    /**
     * Copies the last {@code count} cached tokens of row {@code srcRow} of {@code src} into row
     * {@code row} of this cache, ending at this cache's length, and makes them the row's only real
     * tokens (the rest of the row becomes padding).
     */
    void copyRow(long row, KvCache src, long srcRow, long count) {
        long to = length - count;
        long from = src.length - count;
        for (int i = 0; i < keys.length; i++) {
            copyBlock(keys[i], row, to, src.keys[i], srcRow, from, count);
            copyBlock(values[i], row, to, src.values[i], srcRow, from, count);
        }
        try (NDManager m = manager.newSubManager()) {
            Views.writeBlock(mask, new long[] {row, 0}, m.zeros(new Shape(1, capacity), mask.getDataType(),
                    mask.getDevice()));
            Views.writeBlock(mask, new long[] {row, to}, m.ones(new Shape(1, count), mask.getDataType(),
                    mask.getDevice()));
        }
    }

    /** Writes columns {@code from..from+count} of row {@code srcRow} of {@code src} into {@code target} at {@code row, to}. */
    private static void copyBlock(NDArray target, long row, long to, NDArray src, long srcRow, long from, long count) {
        try (NDArray rowView = Views.range(src, 0, srcRow, srcRow + 1);
                NDArray block = Views.range(rowView, 2, from, from + count)) {
            Views.writeBlock(target, new long[] {row, 0, to, 0}, block);
        }
    }

    private void ensureCapacity(long needed) {
        if (needed <= capacity) {
            return;
        }
        long grown = Math.max(needed, capacity * 2);
        mask = replace(mask, grow(mask, 1, grown));
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i] = replace(keys[i], grow(keys[i], 2, grown));
                values[i] = replace(values[i], grow(values[i], 2, grown));
            }
        }
        capacity = grown;
    }

    private NDArray grow(NDArray a, int axis, long size) {
        long[] shape = a.getShape().getShape();
        shape[axis] = size - shape[axis];
        try (NDArray padding = manager.zeros(new Shape(shape), a.getDataType(), a.getDevice())) {
            return a.concat(padding, axis);
        }
    }

    private NDArray replace(NDArray old, NDArray next) {
        NDArray owned = own(next);
        old.close();
        return owned;
    }

    /** Takes {@code a} out of any open scope into this cache's manager. */
    private NDArray own(NDArray a) {
        NDScope.unregister(a);
        a.attach(manager);
        return a;
    }

    @Override
    public void close() {
        manager.close();
    }
}
