package org.stepdpo.train;

import java.io.Serializable;

/**
 * A tokenized preference pair with the reference model's log-probs: the unit that preference
 * training consumes.
 *
 * @param prompt      prompt tokens (template, problem and, for Step-DPO, steps 1..k-1)
 * @param chosen      tokens of the chosen response (Step-DPO: the correct step k)
 * @param rejected    tokens of the rejected response (Step-DPO: the first wrong step)
 * @param refChosen   summed reference log-prob of {@code chosen}
 * @param refRejected summed reference log-prob of {@code rejected}
 */
public record PreferenceExample(int[] prompt, int[] chosen, int[] rejected, double refChosen, double refRejected)
        implements Serializable {}
