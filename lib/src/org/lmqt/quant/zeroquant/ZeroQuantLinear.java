package org.lmqt.quant.zeroquant;

/**
 * DeepSpeed's {@code LinearLayer_Compress} forward with weight and activation quantization enabled (what the
 * compression scheduler leaves after step 0 with {@code schedule_offset 0}): the weight fake-quantized with
 * {@code numGroups} groups, the input quantized dynamically per token, then {@code y = xq wq^T + b}.
 *
 * @param weight     the weight quantizer (qllm-infer: 8-bit symmetric for attention, 4-bit for the MLP)
 * @param numGroups  weight groups ({@code quantize_groups}, 4096 in qllm-infer's config)
 * @param activation the activation quantizer (8-bit symmetric in qllm-infer)
 */
public record ZeroQuantLinear(DeepSpeedQuantizer weight, int numGroups, DeepSpeedQuantizer activation) {

    /** {@code x [tokens, in]}, {@code w [out, in]}, {@code bias [out]} or null: {@code y [tokens, out]}. */
    public float[] forward(float[] x, float[] w, float[] bias, int out, int in) {
        // fake-quantized weight and per-token input
        float[] wq = weight.fakeQuantize(w, numGroups);                  // [out, in]
        float[] xq = activation.perToken(x, in);                         // [tokens, in]
        int tokens = x.length / in;
        // y = xq wq^T + b, accumulated in double
        float[] y = new float[tokens * out];                             // [tokens, out]
        for (int t = 0; t < tokens; t++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) {
                    s += (double) xq[t * in + i] * wq[o * in + i];
                }
                y[t * out + o] = (float) (bias == null ? s : s + bias[o]);
            }
        }
        return y;
    }
}
