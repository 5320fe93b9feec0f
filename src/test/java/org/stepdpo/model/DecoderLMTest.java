package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The decoder against fp32 reference values computed by an independent implementation. */
class DecoderLMTest {
    @ParameterizedTest
    @ValueSource(strings = {"qwen2-tiny", "llama-tiny"})
    void matchesReferenceLogProbsLogitsAndGreedyTokens(String name) {
        JsonNode ref = Fixtures.reference(name);
        try (DecoderLM model = DecoderLM.load(Fixtures.model(name), Device.cpu(), DataType.FLOAT32);
                NDManager m = model.manager().newSubManager()) {
            for (JsonNode seq : ref.get("sequences")) {
                int[] ids = Fixtures.ints(seq.get("input_ids"));
                Batch batch = Batch.leftPadded(m, new int[][] {ids}, 0);
                NDArray logits = model.forward(batch.ids(), batch.positions(), batch.mask(), null, Mode.TRAIN);
                // log p(token i | tokens < i) for i >= 1
                long t = ids.length;
                NDArray targets = batch.ids().get(new NDIndex(":, 1:"));
                NDArray lp = LogProbs.perToken(logits.get(new NDIndex(":, :{}, :", t - 1)), targets,
                        m.ones(new Shape(1, t - 1)));
                assertClose(Fixtures.floats(seq.get("token_logprobs")), lp.toFloatArray(), 1e-4, name);
                NDArray last = logits.get(new NDIndex("0, -1, :"));
                float lse = last.exp().sum().log().getFloat(); // small logits: no overflow
                assertEquals(seq.get("last_logsumexp").asDouble(), lse, 1e-4, name);
                float[] lastValues = last.toFloatArray();
                int[] top = Fixtures.ints(seq.get("last_logits_top8_ids"));
                float[] topValues = Fixtures.floats(seq.get("last_logits_top8_values"));
                for (int i = 0; i < top.length; i++) {
                    assertEquals(topValues[i], lastValues[top[i]], 1e-4, name + " logit of " + top[i]);
                }
                int[] greedy = Generator.generate(model, ids, Generator.Options.greedy(12, Set.of()), 0);
                assertArrayEquals(Fixtures.ints(seq.get("greedy_12")), greedy, name);
            }
        }
    }

    static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tol, what + " [" + i + "]");
        }
    }
}
