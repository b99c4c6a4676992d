package org.lmqt.quant.awq;

import org.lmqt.quant.CalibrationInputs;

/**
 * The inputs one decoder layer's linears saw on calibration data, captured in one forward of the unmodified layer
 * (tokens as rows, in the order the reference flattens {@code [samples, seqlen, features]}).
 *
 * @param attn input of q/k/v (the normed hidden state), {@code [tokens, hidden]}
 * @param o    input of o_proj, {@code [tokens, qOut]}
 * @param mlp  input of gate/up, {@code [tokens, hidden]}
 * @param down input of down_proj, {@code [tokens, intermediate]}
 */
public record AwqFeatures(CalibrationInputs attn, CalibrationInputs o, CalibrationInputs mlp, CalibrationInputs down) {
    public AwqFeatures {
        if (attn.cols() != mlp.cols()) {
            throw new IllegalArgumentException("attention and MLP inputs differ in width: " + attn.cols() + " vs "
                    + mlp.cols());
        }
    }

    /** Checks the widths against {@code layer}'s shapes. */
    void check(AwqLayer layer) {
        if (attn.cols() != layer.hidden() || o.cols() != layer.qOut() || down.cols() != layer.intermediate()) {
            throw new IllegalArgumentException("features of widths " + attn.cols() + "/" + o.cols() + "/"
                    + mlp.cols() + "/" + down.cols() + " do not fit a layer of hidden " + layer.hidden() + ", qOut "
                    + layer.qOut() + ", intermediate " + layer.intermediate());
        }
    }
}
