package org.lmqt.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.DoubleToIntFunction;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.Floats;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.checkpoint.StoredTensors;

/**
 * A weight in bitsandbytes' NF4 with double quantization, as {@code Linear4bit} holds it after
 * {@code quantize_4bit(W, blocksize, compress_statistics=True, quant_type="nf4")} (calib-methods-spec §4.2, §4.3).
 * The weight is flattened row-major and cut into blocks of {@code blockSize} consecutive elements (a block may span
 * rows, the last may be partial); each element is normalized by its block's float32 maximum magnitude and takes the
 * nearest NF4 code (the lower one at an exact half-way point; an all-zero block gets code 0, as on CUDA); two codes
 * share a byte, the first in the high nibble; the block maxima are double-quantized ({@link NestedAbsmax}).
 * Dequantization is {@code float32(nf4[code] * absmax_dq[block])}, rounded once to {@code dtype}: the weight's own
 * dtype in bitsandbytes, fp16 for the model runtime (the original's compute dtype, {@code b4g64} in
 * {@code BNB_CONFIGS}).
 *
 * <p>Tensors under a prefix {@code P} (the names of transformers' bitsandbytes serialization, with {@code P.weight}
 * for the packed codes): {@code P.weight} U8 {@code [ceil(n/2), 1]}, {@code P.weight.absmax} U8 {@code [blocks]}
 * (the nested codes), {@code P.weight.quant_map} F32 {@code [16]}, {@code P.weight.nested_absmax} F32
 * {@code [ceil(blocks/256)]}, {@code P.weight.nested_quant_map} F32 {@code [256]} and
 * {@code P.weight.quant_state.bitsandbytes__nf4}, U8 bytes of a JSON object with {@code quant_type, blocksize,
 * dtype, shape, nested_blocksize, nested_dtype, nested_offset}.
 *
 * @param shape     {@code [out, in]}
 * @param blockSize elements per block (64 in {@code BNB_CONFIGS}; the config's group size in dump-sensi)
 * @param dtype     the dtype dequantized values are rounded to: F16, BF16 or F32
 * @param packed    the codes two a byte, {@code [ceil(n/2)]}
 * @param absmax    the double-quantized block maxima, one per block
 */
public record Nf4Matrix(int[] shape, int blockSize, DType dtype, byte[] packed, NestedAbsmax absmax)
        implements QuantizedMatrix {
    /** The format's name. */
    public static final String FORMAT = "bnb-nf4";
    private static final ObjectMapper JSON = new ObjectMapper();

    public Nf4Matrix {
        shape = shape.clone();
        long n = numel(shape);
        if (blockSize <= 0 || packed.length != (n + 1) / 2 || absmax.codes().length != (n + blockSize - 1) / blockSize
                || (dtype != DType.F16 && dtype != DType.BF16 && dtype != DType.F32)) {
            throw new IllegalArgumentException("inconsistent NF4 matrix: shape " + Arrays.toString(shape) + ", block "
                    + blockSize + ", " + packed.length + " bytes, " + absmax.codes().length + " block maxima, " + dtype);
        }
    }

    /** Quantizes {@code w} ({@code shape = [out, in]}, row-major) in blocks of {@code blockSize}. */
    public static Nf4Matrix quantize(float[] w, int[] shape, int blockSize, DType dtype) {
        if (w.length != numel(shape)) {
            throw new IllegalArgumentException(w.length + " weights do not fill " + Arrays.toString(shape));
        }
        float[] absmax = blockAbsmax(w, blockSize);                       // [blocks]
        return new Nf4Matrix(shape, blockSize, dtype, pack(codes(w, absmax, blockSize), absmax[absmax.length - 1]),
                NestedAbsmax.of(absmax));
    }

    /** The maximum magnitude of every block of {@code block} consecutive values, {@code [ceil(n / block)]}. */
    public static float[] blockAbsmax(float[] x, int block) {
        float[] out = new float[(x.length + block - 1) / block];          // [blocks]
        for (int i = 0; i < x.length; i++) {
            out[i / block] = Math.max(out[i / block], Math.abs(x[i]));
        }
        return out;
    }

    /** The NF4 code of every element, {@code [n]}: the nearest value of {@code w * (1/absmax)}. */
    public static byte[] codes(float[] w, float[] absmax, int block) {
        return blockCodes(w, absmax, block, y -> BnbTables.nf4Code((float) y));
    }

    /**
     * Blockwise codes of {@code x} ({@code [n]}): each value times the float32 reciprocal of its block's maximum
     * ({@code max}, {@code [ceil(n / block)]}; inf for an all-zero block, so NaN), coded by {@code code} (which sees
     * the float32 product widened exactly).
     */
    static byte[] blockCodes(float[] x, float[] max, int block, DoubleToIntFunction code) {
        byte[] codes = new byte[x.length];                                // [n]
        for (int b = 0; b < max.length; b++) {
            // float32 reciprocal of the block maximum, then one float32 product per value
            float inv = 1f / max[b];
            int end = Math.min(x.length, (b + 1) * block);
            for (int i = b * block; i < end; i++) {
                codes[i] = (byte) code.applyAsInt(x[i] * inv);
            }
        }
        return codes;
    }

    /** Two codes a byte, the first in the high nibble; an odd count pads with the code of 0 in the last block. */
    private static byte[] pack(byte[] codes, float lastAbsmax) {
        byte[] out = new byte[(codes.length + 1) / 2];                    // [ceil(n/2)]
        int pad = BnbTables.nf4Code(0f * (1f / lastAbsmax));
        for (int j = 0; j < out.length; j++) {
            int low = 2 * j + 1 < codes.length ? codes[2 * j + 1] : pad;
            out[j] = (byte) (codes[2 * j] << 4 | low);
        }
        return out;
    }

    /** The code of every element, unpacked, {@code [n]}. */
    public byte[] codes() {
        int n = (int) numel(shape);
        byte[] out = new byte[n];                                         // [n]
        for (int i = 0; i < n; i++) {
            int b = packed[i / 2] & 0xff;
            out[i] = (byte) (i % 2 == 0 ? b >>> 4 : b & 0x0f);
        }
        return out;
    }

    /** {@code nf4[code] * absmax_dq[block]} in float32, before the rounding to {@code dtype}, {@code [out, in]}. */
    public float[] dequantizeFloat32() {
        float[] scale = absmax.dequantize();                              // [blocks]
        byte[] codes = codes();                                           // [n]
        float[] out = new float[codes.length];                            // [out, in]
        for (int i = 0; i < out.length; i++) {
            out[i] = BnbTables.nf4Value(codes[i]) * scale[i / blockSize];
        }
        return out;
    }

    @Override
    public float[] dequantize() {
        float[] out = dequantizeFloat32();                                // [out, in]
        // one rounding into the storage dtype
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (dtype) {
                case F16 -> Floats.toHalf(out[i]);
                case BF16 -> Floats.bf16ToFloat(Floats.floatToBf16(out[i]));
                default -> out[i];
            };
        }
        return out;
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public DType deployedType() {
        return dtype;
    }

    @Override
    public long storageBytes() {
        // packed codes, nested codes, two tables and the nested maxima in float32, the JSON quant state
        return packed.length + absmax.codes().length + 4L * (16 + 256 + absmax.absmax2().length)
                + quantState().length;
    }

    @Override
    public void writeTo(SafetensorsWriter w, String p) {
        w.putBytes(p + ".weight", DType.U8, new int[] {packed.length, 1}, packed);
        w.putBytes(p + ".weight.absmax", DType.U8, new int[] {absmax.codes().length}, absmax.codes());
        w.put(p + ".weight.quant_map", DType.F32, new int[] {16}, BnbTables.nf4());
        w.put(p + ".weight.nested_absmax", DType.F32, new int[] {absmax.absmax2().length}, absmax.absmax2());
        w.put(p + ".weight.nested_quant_map", DType.F32, new int[] {256}, BnbTables.dynamic());
        byte[] state = quantState();
        w.putBytes(p + ".weight.quant_state.bitsandbytes__nf4", DType.U8, new int[] {state.length}, state);
    }

    /**
     * Reads one linear layer of transformers' bitsandbytes 4-bit serialization under {@code prefix}, the inverse of
     * {@link #writeTo}: the JSON quant state gives the shape, block size, dtype and nested offset; the code tables
     * must be NF4's and the dynamic map (fp4 and non-nested statistics are not read); every tensor's dtype and shape
     * is checked.
     */
    public static Nf4Matrix read(StoredTensors t, String prefix) {
        String stateName = prefix + ".weight.quant_state.bitsandbytes__nf4";
        if (!t.contains(stateName)) {
            String fp4 = prefix + ".weight.quant_state.bitsandbytes__fp4";
            throw t.invalid(t.contains(fp4) ? fp4 : stateName, t.contains(fp4)
                    ? "is an fp4 quant state: only nf4 is supported" : "is missing (an NF4 layer stores its quant state)");
        }
        int[] stateShape = t.shape(stateName);
        JsonNode state;
        try {
            state = JSON.readTree(new String(t.bytes(stateName, DType.U8, stateShape), StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw t.invalid(stateName, "is not a JSON quant state (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        JsonNode shapeNode = state.path("shape");
        if (!"nf4".equals(state.path("quant_type").asText()) || !state.path("blocksize").canConvertToInt()
                || shapeNode.size() != 2 || !state.has("nested_offset")
                || state.path("nested_blocksize").asInt() != NestedAbsmax.BLOCK) {
            throw t.invalid(stateName, "is not a double-quantized nf4 state with a 2-d shape: " + state);
        }
        int[] shape = {shapeNode.path(0).asInt(), shapeNode.path(1).asInt()};
        int blockSize = state.path("blocksize").asInt();
        DType dtype = switch (state.path("dtype").asText()) {
            case "float16" -> DType.F16;
            case "bfloat16" -> DType.BF16;
            case "float32" -> DType.F32;
            default -> throw t.invalid(stateName, "names dtype '" + state.path("dtype").asText() + "'");
        };
        long n = numel(shape);
        int blocks = (int) ((n + blockSize - 1) / blockSize);
        // the code tables bitsandbytes stores with every layer: they must be the ones the codes refer to
        checkTable(t, prefix + ".weight.quant_map", BnbTables.nf4());
        checkTable(t, prefix + ".weight.nested_quant_map", BnbTables.dynamic());
        byte[] packed = t.bytes(prefix + ".weight", DType.U8, (int) ((n + 1) / 2), 1);
        byte[] codes = t.bytes(prefix + ".weight.absmax", DType.U8, blocks);
        float[] absmax2 = t.floats(prefix + ".weight.nested_absmax", DType.F32,
                (blocks + NestedAbsmax.BLOCK - 1) / NestedAbsmax.BLOCK);
        return new Nf4Matrix(shape, blockSize, dtype, packed,
                new NestedAbsmax(codes, (float) state.path("nested_offset").asDouble(), absmax2));
    }

    private static void checkTable(StoredTensors t, String name, float[] expected) {
        float[] stored = t.floats(name, DType.F32, expected.length);
        if (!Arrays.equals(stored, expected)) {
            throw t.invalid(name, "is not bitsandbytes' table of that name");
        }
    }

    /** The JSON quant state bitsandbytes stores beside the tensors, UTF-8. */
    private byte[] quantState() {
        ObjectNode s = JSON.createObjectNode().put("quant_type", "nf4").put("blocksize", blockSize)
                .put("dtype", switch (dtype) {
                    case F16 -> "float16";
                    case BF16 -> "bfloat16";
                    default -> "float32";
                });
        s.putArray("shape").add(shape[0]).add(shape[1]);
        s.put("nested_blocksize", NestedAbsmax.BLOCK).put("nested_dtype", "float32").put("nested_offset", absmax.offset());
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static long numel(int[] shape) {
        if (shape.length != 2 || shape[0] <= 0 || shape[1] <= 0) {
            throw new IllegalArgumentException("a weight matrix needs a shape [out, in], got " + Arrays.toString(shape));
        }
        return (long) shape[0] * shape[1];
    }

    /** {@code bnb-nf4 block 64 [4096, 4096]}. */
    @Override
    public String toString() {
        return FORMAT + " block " + blockSize + " " + Arrays.toString(shape);
    }
}
