package org.stepdpo.jobs;

import picocli.CommandLine.Option;

/**
 * The sampling flags of the generating commands (a picocli mixin): greedy unless
 * {@code --temperature} is above 0. The values are checked where they are used
 * ({@code Generator.Options}, {@code EvalConfig.Generation}).
 */
final class SamplingOptions {
    @Option(names = "--temperature", paramLabel = "T", description = "0 decodes greedily (default); above 0 samples.")
    double temperature = 0;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus mass when sampling (default 1: off).")
    double topP = 1;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample among the K likeliest (default 0: off).")
    int topK = 0;
}
