package org.stepdpo.model.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every named template against the literal strings of the seed (SEED-NOTES.md, "Prompt templates"). */
class PromptTemplatesTest {

    private static final String Q = "What is $\\frac{1}{2} + x$ if {x} = 3?";
    private static final String STEPS = "Let's think step by step.\nStep 1: Add.\nStep 2:";

    @Test
    void alpacaTraining() {
        assertEquals("Below is an instruction that describes a task. Write a response that appropriately completes "
                + "the request.\n\n### Instruction:\nWhat is $\\frac{1}{2} + x$ if {x} = 3?\n\n### Response:",
                PromptTemplates.training("alpaca", Q, ""));
        assertEquals("Below is an instruction that describes a task. Write a response that appropriately completes "
                + "the request.\n\n### Instruction:\nWhat is $\\frac{1}{2} + x$ if {x} = 3?\n\n### Response:\n"
                + "Let's think step by step.\nStep 1: Add.\nStep 2:",
                PromptTemplates.training("alpaca", Q, STEPS));
    }

    @Test
    void deepseekMathTraining() {
        assertEquals("User: What is $\\frac{1}{2} + x$ if {x} = 3?\nPlease reason step by step, and put your final "
                + "answer within \\boxed{}.\n\nAssistant:", PromptTemplates.training("deepseek-math", Q, ""));
        assertEquals("User: What is $\\frac{1}{2} + x$ if {x} = 3?\nPlease reason step by step, and put your final "
                + "answer within \\boxed{}.\n\nAssistant: Let's think step by step.\nStep 1: Add.\nStep 2:",
                PromptTemplates.training("deepseek-math", Q, STEPS));
    }

    @Test
    void qwen2BoxedTraining() {
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                + "What is $\\frac{1}{2} + x$ if {x} = 3?\nPlease reason step by step, and put your final answer "
                + "within \\boxed{}.<|im_end|>\n<|im_start|>assistant\n",
                PromptTemplates.training("qwen2-boxed", Q, ""));
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
                + "What is $\\frac{1}{2} + x$ if {x} = 3?\nPlease reason step by step, and put your final answer "
                + "within \\boxed{}.<|im_end|>\n<|im_start|>assistant\nLet's think step by step.\nStep 1: Add.\n"
                + "Step 2:", PromptTemplates.training("qwen2-boxed", Q, STEPS));
    }

    @Test
    void plainTrainingAndNullSteps() {
        assertEquals("Q?", PromptTemplates.training("plain", "Q?", ""));
        assertEquals("Q?", PromptTemplates.training("plain", "Q?", null));
        assertEquals("Q?\nStep 1: a", PromptTemplates.training("plain", "Q?", "Step 1: a"));
        assertEquals("User: Q?\nPlease reason step by step, and put your final answer within \\boxed{}.\n\n"
                + "Assistant:", PromptTemplates.training("deepseek-math", "Q?", null));
    }

    @Test
    void alpacaGeneration() {
        String head = "Below is an instruction that describes a task. Write a response that appropriately completes "
                + "the request.\n\n### Instruction:\nQ?\n\n";
        assertEquals(head + "### Response: Let's think step by step.", PromptTemplates.generation("alpaca", "Q?", null));
        assertEquals(head + "### Response:\nLet's think step by step.\nStep 1: ",
                PromptTemplates.generation("alpaca-cot-step", "Q?", null));
        assertEquals(head + "### Response:\nLet's think step by step.\nStep 1: a.\nStep 2:",
                PromptTemplates.generation("alpaca-cot-prefix", "Q?", "Step 1: a.\nStep 2:"));
    }

    @Test
    void deepseekMathGeneration() {
        String base = "User: Q?\nPlease reason step by step, and put your final answer within \\boxed{}.\n\nAssistant:";
        assertEquals(base, PromptTemplates.generation("deepseek-math", "Q?", "ignored"));
        assertEquals(base + " Let's think step by step.\nStep 1: ",
                PromptTemplates.generation("deepseek-math-step", "Q?", null));
        assertEquals(base + " Let's think step by step.\nStep 1: a.\nStep 2:",
                PromptTemplates.generation("deepseek-math-prefix", "Q?", "Step 1: a.\nStep 2:"));
    }

    @Test
    void qwen2BoxedGeneration() {
        String base = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nQ?\nPlease reason "
                + "step by step, and put your final answer within \\boxed{}.<|im_end|>\n<|im_start|>assistant\n";
        assertEquals(base, PromptTemplates.generation("qwen2-boxed", "Q?", null));
        assertEquals(base + "Let's think step by step.\nStep 1: ",
                PromptTemplates.generation("qwen2-boxed-step", "Q?", null));
        assertEquals(base + "Let's think step by step.\nStep 1: a.\nStep 2:",
                PromptTemplates.generation("qwen2-boxed-prefix", "Q?", "Step 1: a.\nStep 2:"));
        assertEquals(base + "Let's think step by step.\n", PromptTemplates.generation("qwen2-boxed-prefix", "Q?", ""));
    }

    @Test
    void plainGeneration() {
        assertEquals("Q?", PromptTemplates.generation("plain", "Q?", null));
        assertEquals("Q?", PromptTemplates.generation("plain", "Q?", ""));
        assertEquals("Q?\nStep 1: a", PromptTemplates.generation("plain", "Q?", "Step 1: a"));
    }

    @Test
    void chatUsesTheModelTemplate() {
        ChatTemplate chat = new ChatTemplate("{{ bos_token }}{% for m in messages %}[{{ m.role }}]{{ m.content }}"
                + "{% endfor %}{% if add_generation_prompt %}[assistant]{% endif %}", Map.of("bos_token", "<s>"));
        assertEquals("<s>[user]Q?[assistant]", PromptTemplates.training("chat", "Q?", "", chat));
        assertEquals("<s>[user]Q?[assistant]Step 1: a", PromptTemplates.training("chat", "Q?", "Step 1: a", chat));
        assertEquals("<s>[user]Q?[assistant]", PromptTemplates.generation("chat", "Q?", null, chat));
        assertEquals("<s>[user]Q?[assistant]Step 1: ", PromptTemplates.generation("chat", "Q?", "Step 1: ", chat));
        assertEquals("<s>[user]Q?[assistant]", PromptTemplates.chat(chat.source(), "Q?", Map.of("bos_token", "<s>")));
    }

    @Test
    void chatWithoutTemplateIsRefusedWithTheFix() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PromptTemplates.training("chat", "Q?", ""));
        assertTrue(e.getMessage().contains("chat_template") && e.getMessage().contains("PromptTemplates.chat"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PromptTemplates.generation("chat", "Q?", null));
        assertThrows(IllegalArgumentException.class, () -> PromptTemplates.chat(null, "Q?", Map.of()));
    }

    @Test
    void unknownNamesListTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PromptTemplates.generation("qwen", "Q?", null));
        assertTrue(e.getMessage().contains("'qwen'") && e.getMessage().contains("qwen2-boxed-prefix"), e.getMessage());
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> PromptTemplates.training("qwen2-boxed-step", "Q?", ""));
        assertTrue(t.getMessage().contains("alpaca, deepseek-math, qwen2-boxed, plain, chat"), t.getMessage());
    }

    @Test
    void prefixNamesNeedAPrefix() {
        assertThrows(IllegalArgumentException.class, () -> PromptTemplates.generation("qwen2-boxed-prefix", "Q?", null));
        assertThrows(IllegalArgumentException.class, () -> PromptTemplates.training("alpaca", null, ""));
    }

    @Test
    void namesCoverEveryTemplate() {
        assertEquals(11, PromptTemplates.NAMES.size());
        assertTrue(PromptTemplates.NAMES.containsAll(PromptTemplates.TRAINING_NAMES));
        for (String name : PromptTemplates.NAMES) {
            if (!name.equals("chat")) {
                assertTrue(PromptTemplates.generation(name, "Q?", "p").contains("Q?"), name);
            }
        }
    }
}
