package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

/**
 * Keys and values of every layer for the tokens seen so far, plus the attention mask over them, so
 * that incremental decoding feeds one new token at a time. Owns its arrays in its own manager:
 * close it (try-with-resources) when the sequence is done.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private NDArray mask; // [B, Tk], 1 for real tokens, 0 for padding

    /** An empty cache for {@code layers} layers, on {@code parent}'s device. */
    public KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Tokens cached so far. */
    public long length() {
        return keys[0] == null ? 0 : keys[0].getShape().get(2);
    }

    /** The padding mask over all cached tokens plus {@code newMask}, kept for the next step. */
    NDArray extendMask(NDArray newMask) {
        mask = keep(mask, mask == null ? newMask : mask.concat(newMask, 1));
        return mask;
    }

    /** Appends this step's keys and values [B, nKv, T, d] for {@code layer}; returns the full ones. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        keys[layer] = keep(keys[layer], keys[layer] == null ? k : keys[layer].concat(k, 2));
        values[layer] = keep(values[layer], values[layer] == null ? v : values[layer].concat(v, 2));
        return new NDArray[] {keys[layer], values[layer]};
    }

    /** Moves {@code next} into this cache's manager (out of any open scope) and frees {@code previous}. */
    private NDArray keep(NDArray previous, NDArray next) {
        NDScope.unregister(next);
        next.attach(manager);
        if (previous != null) {
            previous.close();
        }
        return next;
    }

    @Override
    public void close() {
        manager.close();
    }
}
