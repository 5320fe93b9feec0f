package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfConfigTest {
    private static HfConfig parse(String json) throws Exception {
        return HfConfig.parse(new ObjectMapper().readTree(json), "config.json");
    }

    private static String llama(String extra) {
        return "{\"architectures\": [\"LlamaForCausalLM\"], \"vocab_size\": 128, \"hidden_size\": 64,"
                + " \"intermediate_size\": 96, \"num_hidden_layers\": 2, \"num_attention_heads\": 8"
                + extra + "}";
    }

    @Test
    void readsTheFixtureConfigs() {
        HfConfig qwen = HfConfig.load(Fixtures.model("qwen2-tiny"));
        assertEquals(151936, qwen.vocabSize());
        assertEquals(2, qwen.groupSize());
        assertEquals(8, qwen.headDim());
        assertTrue(qwen.tieWordEmbeddings());
        assertTrue(qwen.attentionBias());
        assertFalse(qwen.outputBias());
        assertEquals(List.of(151645), qwen.eosTokenIds());
        HfConfig llama = HfConfig.load(Fixtures.model("llama-tiny"));
        assertEquals(4, llama.groupSize());
        assertFalse(llama.attentionBias());
        assertNull(llama.ropeScaling());
        assertEquals(500000.0, llama.ropeTheta());
    }

    @Test
    void defaultsAndNewerKeys() throws Exception {
        HfConfig c = parse(llama(", \"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 2500.0},"
                + " \"eos_token_id\": [5, 6], \"head_dim\": 16"));
        assertEquals(8, c.numKvHeads());
        assertEquals(16, c.headDim());
        assertEquals(2500.0, c.ropeTheta());
        assertEquals(List.of(5, 6), c.eosTokenIds());
        HfConfig mistral = parse(llama(", \"sliding_window\": 4").replace("LlamaForCausalLM", "MistralForCausalLM"));
        assertEquals(4, mistral.slidingWindow());
    }

    @Test
    void llama3RopeScalingKeepsHighFrequenciesAndDividesLowOnes() throws Exception {
        HfConfig c = parse(llama(", \"rope_theta\": 500000.0, \"rope_scaling\": {\"rope_type\": \"llama3\","
                + " \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                + " \"original_max_position_embeddings\": 8192}"));
        assertEquals(8.0, c.ropeScaling().factor());
        float[] plain = Rope.inverseFrequencies(128, 500000.0, null);
        float[] scaled = Rope.inverseFrequencies(128, 500000.0, c.ropeScaling());
        assertEquals(plain[0], scaled[0]); // wavelength 2*pi < 2048: kept
        assertEquals(plain[63] / 8, scaled[63], 1e-12); // very long wavelength: divided by the factor
        // a wavelength between 8192/4 and 8192 is blended: strictly between the two
        int mid = 0;
        for (int i = 0; i < 64; i++) {
            double wavelen = 2 * Math.PI / plain[i];
            if (wavelen > 2048 && wavelen < 8192) {
                mid = i;
                break;
            }
        }
        assertTrue(scaled[mid] < plain[mid] && scaled[mid] > plain[mid] / 8);
    }

    @Test
    void unsupportedSettingsFailNamingThem(@TempDir Path dir) throws java.io.IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse(llama("").replace("LlamaForCausalLM", "GPT2LMHeadModel")));
        assertTrue(e.getMessage().contains("GPT2LMHeadModel"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> parse(llama(", \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4.0}")));
        assertTrue(e.getMessage().contains("yarn"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse(llama(", \"num_key_value_heads\": 3")));
        assertTrue(e.getMessage().contains("num_key_value_heads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse(llama(", \"hidden_act\": \"gelu\"")));
        assertTrue(e.getMessage().contains("gelu"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HfConfig.load(dir));
        assertTrue(e.getMessage().contains("config.json not found in " + dir), e.getMessage());
        // a training run's output folder instead of its model/
        java.nio.file.Files.createDirectories(dir.resolve("model"));
        java.nio.file.Files.writeString(dir.resolve("model/config.json"), "{}");
        e = assertThrows(IllegalArgumentException.class, () -> HfConfig.load(dir));
        assertTrue(e.getMessage().contains("looks like a training run's output: its model is " + dir.resolve("model")),
                e.getMessage());
    }

    @Test
    void topIndicesAreLargestFirst() {
        assertArrayEquals(new int[] {3, 0, 4}, Scoring.topIndices(new float[] {5, 1, 2, 9, 4}, 3));
        assertArrayEquals(new int[] {1, 0}, Scoring.topIndices(new float[] {1, 2}, 2));
        assertEquals(Math.log(Math.exp(1) + Math.exp(2)), Scoring.logSumExp(new float[] {1, 2}), 1e-9);
    }
}
