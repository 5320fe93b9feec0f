package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameters of a decoder, by their HF names, in load order. Every weight-key string of the
 * Qwen2 / Llama / Mistral layout is written here and nowhere else.
 */
public final class DecoderWeights {
    /** One transformer block's parameters; biases are null where the family has none. */
    record Layer(NDArray inputNorm, NDArray q, NDArray qBias, NDArray k, NDArray kBias, NDArray v, NDArray vBias,
            NDArray o, NDArray oBias, NDArray postNorm, NDArray gate, NDArray gateBias, NDArray up, NDArray upBias,
            NDArray down, NDArray downBias) {}

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
            boolean qkvBias = c.attentionBias();
            layers.add(new Layer(
                    l.take(p + "input_layernorm.weight", h),
                    l.take(p + "self_attn.q_proj.weight", qOut, h),
                    qkvBias ? l.take(p + "self_attn.q_proj.bias", qOut) : null,
                    l.take(p + "self_attn.k_proj.weight", kvOut, h),
                    qkvBias ? l.take(p + "self_attn.k_proj.bias", kvOut) : null,
                    l.take(p + "self_attn.v_proj.weight", kvOut, h),
                    qkvBias ? l.take(p + "self_attn.v_proj.bias", kvOut) : null,
                    l.take(p + "self_attn.o_proj.weight", h, qOut),
                    c.outputBias() ? l.take(p + "self_attn.o_proj.bias", h) : null,
                    l.take(p + "post_attention_layernorm.weight", h),
                    l.take(p + "mlp.gate_proj.weight", ffn, h),
                    c.mlpBias() ? l.take(p + "mlp.gate_proj.bias", ffn) : null,
                    l.take(p + "mlp.up_proj.weight", ffn, h),
                    c.mlpBias() ? l.take(p + "mlp.up_proj.bias", ffn) : null,
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

        NDArray take(String name, long... shape) {
            NDArray a = manager.create(source.read(name, shape), new Shape(shape));
            if (dtype != DataType.FLOAT32) {
                NDArray cast = a.toType(dtype, false);
                a.close();
                a = cast;
            }
            a.setName(name);
            loaded.put(name, a);
            return a;
        }
    }
}
