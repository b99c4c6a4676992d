package org.lmqt.model;

import ai.djl.ndarray.NDArray;

/**
 * The position-dependent inputs of a block for {@code length} new tokens after {@code past} cached ones.
 *
 * @param past   positions already in the KV cache (0 without one)
 * @param length new positions
 * @param cos    {@code [length, headDim]} rotary cosines, device type
 * @param sin    {@code [length, headDim]} rotary sines, device type
 * @param mask   {@code [length, past + length]} additive causal (optionally sliding-window) mask, float32
 */
public record Positions(int past, int length, NDArray cos, NDArray sin, NDArray mask) {}
