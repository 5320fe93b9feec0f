package org.stepdpo.train;

/**
 * torch.optim.AdamW's formulas in plain double precision over flat arrays: the reference that
 * {@link AdamW} must match.
 */
final class AdamWReference {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final double[] p;
    private final double[] m;
    private final double[] v;
    private int t;

    AdamWReference(float[] initial, AdamWConfig config, boolean decays) {
        beta1 = config.beta1();
        beta2 = config.beta2();
        eps = config.eps();
        weightDecay = decays ? config.weightDecay() : 0;
        p = new double[initial.length];
        for (int i = 0; i < initial.length; i++) {
            p[i] = initial[i];
        }
        m = new double[p.length];
        v = new double[p.length];
    }

    void step(float[] g, double lr) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - lr * weightDecay;
            m[i] = beta1 * m[i] + (1 - beta1) * g[i];
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
            double denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + eps;
            p[i] -= lr / bc1 * m[i] / denom;
        }
    }

    double[] params() {
        return p.clone();
    }
}
