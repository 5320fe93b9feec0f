package org.stepdpo.model;

/**
 * Which arithmetic a forward pass of {@link DecoderLM} takes, chosen by its caller rather than read
 * from PyTorch's thread-local grad mode.
 */
public enum Mode {
    /**
     * Training: grad mode is on for the call, every op is out of place and each HF projection is its
     * own matmul, so gradients reach the HF-named parameters.
     */
    TRAIN,
    /**
     * Inference (generation, scoring, reference log-probs): grad mode is off for the call, so no
     * graph is built; stacked projections, in-place intermediates and chunked MLPs.
     */
    INFER;

    /** Runs {@code body} with this mode's grad mode in the calling thread, then restores the previous one. */
    public <T> T run(java.util.function.Supplier<T> body) {
        return this == TRAIN ? Autograd.recording(body) : Autograd.notRecording(body);
    }
}
