package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a decoder, by their HF names, in load order. Every weight-key string of the
 * Qwen2 / Llama / Mistral layout is written here and nowhere else. The q/k/v projections of a layer
 * share one stacked matrix, as do its gate/up projections ({@link Fused}); the HF-named parameters
 * are views into it, so loading, saving, gradients and optimizer updates see the HF tensors.
 */
public final class DecoderWeights {
    /**
     * Linear layers that read the same input, stored as one matrix with their rows stacked in order
     * (and one bias, or null): a single matmul computes them all. The parts, under their HF names,
     * are views of that storage, so an in-place update of a part is an update of the whole.
     */
    record Fused(NDArray weight, NDArray bias, List<NDArray> parts, List<NDArray> partBiases) {
        NDArray part(int i) {
            return parts.get(i);
        }

        NDArray partBias(int i) {
            return partBiases.get(i);
        }
    }

    /** One transformer block's parameters; biases are null where the family has none. */
    record Layer(NDArray inputNorm, Fused qkv, NDArray o, NDArray oBias, NDArray postNorm, Fused gateUp,
            NDArray down, NDArray downBias) {
        NDArray q() {
            return qkv.part(0);
        }

        NDArray k() {
            return qkv.part(1);
        }

        NDArray v() {
            return qkv.part(2);
        }

        NDArray gate() {
            return gateUp.part(0);
        }

        NDArray up() {
            return gateUp.part(1);
        }
    }

    final NDArray embed;
    final List<Layer> layers;
    final NDArray finalNorm;
    /** The LM head: the embedding matrix itself when tied. */
    final NDArray lmHead;
    private final Map<String, NDArray> byName;

    private DecoderWeights(NDArray embed, List<Layer> layers, NDArray finalNorm, NDArray lmHead,
            Map<String, NDArray> byName) {
        this.embed = embed;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.byName = byName;
    }

    /** Loads every parameter {@code config} calls for from {@code source} into {@code manager}. */
    static DecoderWeights load(HfConfig c, WeightSource source, NDManager manager, DataType dtype) {
        Loader l = new Loader(source, manager, dtype);
        long h = c.hiddenSize();
        long qOut = (long) c.numHeads() * c.headDim();
        long kvOut = (long) c.numKvHeads() * c.headDim();
        long ffn = c.intermediateSize();
        NDArray embed = l.take("model.embed_tokens.weight", c.vocabSize(), h);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            layers.add(new Layer(
                    l.take(p + "input_layernorm.weight", h),
                    l.fused(h, c.attentionBias(), new String[] {p + "self_attn.q_proj", p + "self_attn.k_proj",
                        p + "self_attn.v_proj"}, qOut, kvOut, kvOut),
                    l.take(p + "self_attn.o_proj.weight", h, qOut),
                    c.outputBias() ? l.take(p + "self_attn.o_proj.bias", h) : null,
                    l.take(p + "post_attention_layernorm.weight", h),
                    l.fused(h, c.mlpBias(), new String[] {p + "mlp.gate_proj", p + "mlp.up_proj"}, ffn, ffn),
                    l.take(p + "mlp.down_proj.weight", h, ffn),
                    c.mlpBias() ? l.take(p + "mlp.down_proj.bias", h) : null));
        }
        NDArray norm = l.take("model.norm.weight", h);
        NDArray head = c.tieWordEmbeddings() && !source.has("lm_head.weight")
                ? embed : l.take("lm_head.weight", c.vocabSize(), h);
        return new DecoderWeights(embed, layers, norm, head, l.loaded);
    }

    /** Every parameter by HF name, in load order (a tied LM head appears once, as the embedding). */
    public Map<String, NDArray> byName() {
        return byName;
    }

    /** All parameters, for optimizers and gradient bookkeeping. */
    public NDList all() {
        return new NDList(byName.values());
    }

    private static final class Loader {
        final WeightSource source;
        final NDManager manager;
        final DataType dtype;
        final Map<String, NDArray> loaded = new LinkedHashMap<>();

        Loader(WeightSource source, NDManager manager, DataType dtype) {
            this.source = source;
            this.manager = manager;
            this.dtype = dtype;
        }

        /**
         * The linear layers {@code names[i] + ".weight"} [rows[i], in] (and {@code ".bias"} [rows[i]]),
         * stacked into one {@link Fused}.
         */
        Fused fused(long in, boolean bias, String[] names, long... rows) {
            int n = names.length;
            NDList weights = new NDList();
            NDList biases = new NDList();
            for (int i = 0; i < n; i++) {
                weights.add(read(names[i] + ".weight", rows[i], in));
                if (bias) {
                    biases.add(read(names[i] + ".bias", rows[i]));
                }
            }
            NDArray weight = stack(weights);
            NDArray stackedBias = bias ? stack(biases) : null;
            List<NDArray> parts = new ArrayList<>();
            List<NDArray> partBiases = new ArrayList<>();
            long start = 0;
            for (int i = 0; i < n; i++) {
                NDIndex rowsOf = new NDIndex().addSliceDim(start, start + rows[i]);
                parts.add(register(names[i] + ".weight", weight.get(rowsOf)));
                partBiases.add(bias ? register(names[i] + ".bias", stackedBias.get(rowsOf)) : null);
                start += rows[i];
            }
            return new Fused(weight, stackedBias, List.copyOf(parts), Collections.unmodifiableList(partBiases));
        }

        /** Concatenates along the first axis and frees the pieces. */
        private NDArray stack(NDList pieces) {
            NDArray whole = pieces.size() == 1 ? pieces.get(0).duplicate() : NDArrays.concat(pieces, 0);
            pieces.close();
            return whole;
        }

        NDArray take(String name, long... shape) {
            return register(name, read(name, shape));
        }

        private NDArray register(String name, NDArray a) {
            a.setName(name);
            loaded.put(name, a);
            return a;
        }

        private NDArray read(String name, long... shape) {
            NDArray a = manager.create(source.read(name, shape), new Shape(shape));
            if (dtype != DataType.FLOAT32) {
                NDArray cast = a.toType(dtype, false);
                a.close();
                a = cast;
            }
            return a;
        }
    }
}
