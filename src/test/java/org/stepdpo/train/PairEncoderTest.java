package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The token-level rules (TRL's boundary, split and truncation) on literal arrays. */
class PairEncoderTest {

    @Test
    void responseStartsAfterThePromptWhenNothingMerged() {
        assertEquals(3, PairEncoder.responseStart(new int[] {5, 6, 7}, new int[] {5, 6, 7, 8, 9}));
    }

    @Test
    void responseStartsOneEarlierWhenTheLastPromptTokenMerged() {
        assertEquals(2, PairEncoder.responseStart(new int[] {5, 6, 7}, new int[] {5, 6, 70, 9}));
    }

    @Test
    void responseStartNeverPassesTheEndOfAShorterFullSequence() {
        // the response merged into the prompt and nothing is left: start 2 = the end
        assertEquals(2, PairEncoder.responseStart(new int[] {5, 6, 7}, new int[] {5, 60}));
        assertEquals(3, PairEncoder.responseStart(new int[] {5, 6, 7}, new int[] {5, 6, 7}));
    }

    @Test
    void splitUsesTheShorterPromptWhenOnlyOneSideMerged() {
        Optional<PairEncoder.Split> s = PairEncoder.split(new int[] {5, 6, 7},
                new int[] {5, 6, 70, 9}, new int[] {5, 6, 7, 8});
        assertTrue(s.isPresent());
        assertArrayEquals(new int[] {5, 6}, s.get().prompt());
        assertArrayEquals(new int[] {70, 9}, s.get().responses()[0]);
        assertArrayEquals(new int[] {7, 8}, s.get().responses()[1], "the unmerged side scores the prompt's last token");
    }

    @Test
    void splitKeepsTheWholePromptWhenNeitherMerged() {
        PairEncoder.Split s = PairEncoder.split(new int[] {5, 6}, new int[] {5, 6, 1}, new int[] {5, 6, 2, 3}).get();
        assertArrayEquals(new int[] {5, 6}, s.prompt());
        assertArrayEquals(new int[] {1}, s.responses()[0]);
        assertArrayEquals(new int[] {2, 3}, s.responses()[1]);
    }

    @Test
    void splitRefusesSidesThatDisagreeInsideTheSharedPrompt() {
        assertFalse(PairEncoder.split(new int[] {5, 6, 7}, new int[] {5, 6, 70, 9}, new int[] {5, 60, 7, 8})
                .isPresent());
    }

    @Test
    void noTruncationAtExactlyMaxLength() {
        int[] prompt = {1, 2, 3, 4, 5};
        PairEncoder.Truncated t = PairEncoder.truncate(prompt, new int[][] {{10}, {11}}, 6, 3);
        assertArrayEquals(prompt, t.prompt());
        assertArrayEquals(new int[] {10}, t.responses()[0]);
        assertArrayEquals(new int[] {11}, t.responses()[1]);
    }

    @Test
    void tooLongKeepsTheLastPromptTokens() {
        // 5 + 2 = 7 > 6: the prompt keeps its last 3; 3 + 2 = 5 fits, responses untouched
        PairEncoder.Truncated t = PairEncoder.truncate(new int[] {1, 2, 3, 4, 5}, new int[][] {{10, 11}, {12}}, 6, 3);
        assertArrayEquals(new int[] {3, 4, 5}, t.prompt());
        assertArrayEquals(new int[] {10, 11}, t.responses()[0]);
        assertArrayEquals(new int[] {12}, t.responses()[1]);
    }

    @Test
    void stillTooLongCutsEveryResponseToMaxLengthMinusMaxPrompt() {
        // 5 + 4 > 6: prompt -> last 4; 4 + 4 > 6: responses -> first 6 - 4 = 2
        int[] chosen = {10, 11, 12, 13};
        PairEncoder.Truncated t = PairEncoder.truncate(new int[] {1, 2, 3, 4, 5}, new int[][] {chosen, {14}}, 6, 4);
        assertArrayEquals(new int[] {2, 3, 4, 5}, t.prompt());
        assertArrayEquals(new int[] {10, 11}, t.responses()[0]);
        assertArrayEquals(new int[] {14}, t.responses()[1]);
        assertArrayEquals(new int[] {10, 11, 12, 13}, chosen, "inputs are not modified");
    }

    @Test
    void shortPromptWithLongResponseCutsTheResponseAsTrlDoes() {
        // 2 + 7 > 6; the prompt is already under 4; 2 + 7 still > 6: responses keep 6 - 4 = 2 tokens
        PairEncoder.Truncated t = PairEncoder.truncate(new int[] {1, 2},
                new int[][] {{10, 11, 12, 13, 14, 15, 16}, {17, 18, 19}}, 6, 4);
        assertArrayEquals(new int[] {1, 2}, t.prompt());
        assertArrayEquals(new int[] {10, 11}, t.responses()[0]);
        assertArrayEquals(new int[] {17, 18}, t.responses()[1]);
    }

    @Test
    void fingerprintIsSha256OfLengthPrefixedBigEndianIds() {
        // python: sha256(b''.join(pack('>i', len(a)) + b''.join(pack('>i', x) for x in a) for a in arrays))
        EncodedPair a = new EncodedPair("f:1", new int[] {1, 2}, new int[] {3}, new int[] {4});
        assertEquals("5a0050b60a0c4e9b6c8b919f3a5c0cfa23e3be7f71d8def0b353c9a194c67160", a.fingerprint());
        EncodedPair moved = new EncodedPair("f:1", new int[] {1}, new int[] {2, 3}, new int[] {4});
        assertEquals("2cdc7fa5808ec3da5bc091eb0f9ab238fbe47bda306534ee1318114bf79c59d3", moved.fingerprint());
        EncodedPair otherId = new EncodedPair("g:7", new int[] {1, 2}, new int[] {3}, new int[] {4});
        assertEquals(a.fingerprint(), otherId.fingerprint(), "the id is not part of the fingerprint");
        assertNotEquals(a, otherId);
        assertEquals(a, new EncodedPair("f:1", new int[] {1, 2}, new int[] {3}, new int[] {4}));
        assertEquals(a.hashCode(), new EncodedPair("f:1", new int[] {1, 2}, new int[] {3}, new int[] {4}).hashCode());
        assertEquals(3, a.maxSequenceLength(), "2 prompt + 1 response");
    }

    @Test
    void exampleFingerprintCoversPromptThenResponse() {
        EncodedExample e = new EncodedExample("f:1", new int[] {1, 2}, new int[] {3});
        assertEquals(EncodedExample.sha256(new int[] {1, 2}, new int[] {3}), e.fingerprint());
        assertNotEquals(e.fingerprint(), new EncodedExample("f:1", new int[] {1}, new int[] {2, 3}).fingerprint());
        assertEquals("EncodedExample[id=f:1, prompt=[1, 2], response=[3]]", e.toString());
    }
}
