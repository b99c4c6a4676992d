package org.lmqt.model;

import ai.djl.ndarray.NDArray;

/**
 * The weights of one decoder block.
 *
 * @param inputNorm {@code [hidden]} RMSNorm weight before attention
 * @param q         {@code [heads * headDim, hidden]}
 * @param k         {@code [kvHeads * headDim, hidden]}
 * @param v         {@code [kvHeads * headDim, hidden]}
 * @param o         {@code [hidden, heads * headDim]}
 * @param postNorm  {@code [hidden]} RMSNorm weight before the MLP
 * @param gate      {@code [intermediate, hidden]}
 * @param up        {@code [intermediate, hidden]}
 * @param down      {@code [hidden, intermediate]}
 */
record DecoderLayer(NDArray inputNorm, Linear q, Linear k, Linear v, Linear o, NDArray postNorm, Linear gate,
                    Linear up, Linear down) {}
