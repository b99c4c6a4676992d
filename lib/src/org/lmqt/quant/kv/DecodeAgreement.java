package org.lmqt.quant.kv;

import org.lmqt.model.Generator;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.Sampling;

/**
 * Decode-time effect of a KV-cache method: the greedy continuation of a prompt with the model's cache policy
 * against the same model with the exact cache, and how many tokens agree before the first difference.
 *
 * @param exact     the continuation with the exact cache
 * @param quantized the continuation with the model's policy
 * @param agreeing  tokens equal before the first difference
 */
public record DecodeAgreement(long[] exact, long[] quantized, int agreeing) {

    /** Greedy {@code tokens} after {@code prompt} both ways; the model's policy is restored afterwards. */
    public static DecodeAgreement measure(LlamaModel model, long[] prompt, int tokens, boolean prefillWithQuant) {
        KvPolicy policy = model.kvPolicy();
        Sampling greedy = new Sampling(0, 0);
        long[] quantized = new Generator(model, prefillWithQuant).generate(prompt, tokens, greedy);
        long[] exact;
        try {
            model.setKvPolicy(KvPolicy.EXACT);
            exact = new Generator(model).generate(prompt, tokens, greedy);
        } finally {
            model.setKvPolicy(policy);
        }
        int n = 0;
        while (n < Math.min(exact.length, quantized.length) && exact[n] == quantized[n]) {
            n++;
        }
        return new DecodeAgreement(exact, quantized, n);
    }
}
