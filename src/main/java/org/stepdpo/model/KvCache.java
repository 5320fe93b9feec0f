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
        return a.concat(manager.zeros(new Shape(shape), a.getDataType(), a.getDevice()), axis);
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
