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
     * {@code (W x^T)^T}: with the weight as the left operand MKL's sgemm runs up to 2x faster for
     * so few rows (32 x 512 x 2048: 200 us instead of 370 us on two cores, weights in cache), while
     * fewer or more rows gain nothing or lose. The result is then a transposed view [rows, out] that
     * the elementwise ops and matmuls after it read without a copy.
     */
    static NDArray inference(NDArray x, NDArray weight, NDArray bias, boolean cpu) {
        long rows = x.getShape().get(0);
        if (!cpu || x.getShape().dimension() != 2 || rows < TRANSPOSED_MIN_ROWS || rows > TRANSPOSED_MAX_ROWS) {
            return apply(x, weight, bias);
        }
        NDArray y = weight.matMul(x.transpose()).transpose(); // [rows, out], a view of [out, rows]
        return bias == null ? y : y.addi(bias);
    }
}
