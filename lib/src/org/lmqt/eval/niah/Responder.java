package org.lmqt.eval.niah;

import java.util.Set;
import org.lmqt.model.Generator;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.Sampling;
import org.lmqt.model.StopTokens;

/** What answers a prompt in the needle test: the model's greedy continuation, or a stand-in in tests. */
public interface Responder {
    /** The answer text after {@code prompt}, at most {@code maxNewTokens} tokens. */
    String answer(long[] prompt, int maxNewTokens);

    /** Positions the responder can attend to (prompt plus answer). */
    int maxPositions();

    /**
     * Greedy decoding on {@code model} until its EOS or the token limit, decoded by {@code codec}; with
     * {@code prefillWithQuant} the prompt's attention already reads the KV cache as the model's policy quantizes it.
     */
    static Responder greedy(LlamaModel model, TokenCodec codec, boolean prefillWithQuant) {
        Set<Long> eos = StopTokens.eos(model);
        Generator generator = new Generator(model, prefillWithQuant);
        return new Responder() {
            @Override
            public String answer(long[] prompt, int maxNewTokens) {
                long[] out = generator.generate(prompt, maxNewTokens, Sampling.GREEDY, eos, id -> { });
                return codec.decode(out);
            }

            @Override
            public int maxPositions() {
                return model.config().maxPositions();
            }
        };
    }
}
