package org.stepdpo.model;

import ai.djl.ndarray.NDArray;

/** The matmuls of the decoder: {@code x W^T + b} for parameters stored [out, in] as in HF. */
final class Linear {
    /** Row counts for which {@link #inference} multiplies by the weight from the left. */
    static final long TRANSPOSED_MIN_ROWS = 8;
    static final long TRANSPOSED_MAX_ROWS = 64;

    private Linear() {}

    /** {@code x W^T + b} for x [..., in]; recorded by autograd like any op. */
    static NDArray apply(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    /**
     * {@code x W^T + b} for x [rows, in], when autograd is not recording. On the CPU,
     * {@value #TRANSPOSED_MIN_ROWS} to {@value #TRANSPOSED_MAX_ROWS} rows are computed as
     * {@code (W x^T)^T}: with the weight as the left operand MKL's sgemm runs faster for so few
     * rows. Measured on two cores with 32 rows: 1.8x with the weight in cache (512 -> 2048: 200 us
     * instead of 370 us); 1.1-1.9x with the weight streamed from memory, as in a decoding step
     * (2048 -> 512: 240-290 us instead of 460-490 us; 512 -> 8192: 1.63 ms instead of 1.77 ms).
     * Fewer or more rows gain nothing or lose. The result is then a transposed view [rows, out]
     * that the elementwise ops and matmuls after it read without a copy.
     */
    static NDArray inference(NDArray x, NDArray weight, NDArray bias, boolean cpu) {
        long rows = x.getShape().get(0);
        if (!cpu || x.getShape().dimension() != 2 || rows < TRANSPOSED_MIN_ROWS || rows > TRANSPOSED_MAX_ROWS) {
            return apply(x, weight, bias);
        }
        // an op's result belongs to the manager of the array it is called on: the product goes to x's
        // manager (which the caller scopes), not to the weight's, which lives as long as the model
        NDArray product = weight.matMul(x.transpose()); // [out, rows]
        product.attach(x.getManager());
        NDArray y = product.transpose(); // [rows, out], a view
        return bias == null ? y : y.addi(bias);
    }
}
