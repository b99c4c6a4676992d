package org.lmqt.quant.act;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.lmqt.quant.IntCodes;
import org.lmqt.quant.fp.FloatFormat;
import org.lmqt.quant.fp.LlmcFloatQuantizer;
import org.lmqt.quant.fp.LlmcFloatQuantizer.Granularity;
import org.lmqt.quant.fp.MxFormat;
import org.lmqt.quant.fp.MxQuantizer;
import org.lmqt.quant.smoothquant.MinMaxQuantizer;
import org.lmqt.quant.smoothquant.W8A8;
import org.lmqt.quant.zeroquant.DeepSpeedQuantizer;

/**
 * The names of the fake-quantization formats for weights ({@code --weight-quant}) and activations
 * ({@code --act-quant}), each the reference's algorithm:
 * <table>
 *   <caption>formats</caption>
 *   <tr><td>{@code int8} / {@code int8-token}, {@code int8-tensor}</td><td>SmoothQuant absmax int8 (max/127);
 *       activations per token or per tensor (dynamic), weights per channel ({@code int8-channel}) or per tensor</td></tr>
 *   <tr><td>{@code zq-int8}, {@code zq-int4} [{@code -asym}] [{@code -g<N>}]</td><td>DeepSpeed's (ZeroQuant's)
 *       quantizer, 2^b levels of max/2^(b-1); activations per token, weights one group per row or N groups</td></tr>
 *   <tr><td>{@code qli-int8}</td><td>qllm-infer's asymmetric min-max, per token / per row</td></tr>
 *   <tr><td>{@code e4m3}, {@code e5m2}, {@code e2m1} [{@code -qtorch}] [{@code -g<N>}]</td><td>LLMC's
 *       FloatQuantizer: per token / per channel (or per group of N)</td></tr>
 *   <tr><td>{@code fp8-block}</td><td>LLMC's 128x128-block e4m3fn weights (weights only)</td></tr>
 *   <tr><td>{@code mxfp8[-e4m3|-e5m2]}, {@code mxfp6-e3m2|-e2m3}, {@code mxfp4[-e2m1]} [{@code -even}]</td>
 *       <td>microxcaling MX, blocks of 32 along the input features, E8M0 scale</td></tr>
 * </table>
 * Unknown names are a one-line {@link IllegalArgumentException}.
 */
public final class FakeQuantFormats {
    private FakeQuantFormats() {}

    /** Bits of the per-group scale a deployment stores with the integer and LLMC float formats (fp16). */
    private static final int SCALE_BITS = 16;

    /** An activation format by name. */
    public static ActFormat activation(String name) {
        Parsed p = Parsed.of(name);
        return switch (p.base) {
            case "int8", "int8-token" -> p.only(new ActFormat(p.name, 8, (k, x, f) -> W8A8.activationPerToken(x, f)));
            case "int8-tensor" -> p.only(new ActFormat(p.name, 8, (k, x, f) -> W8A8.activationPerTensor(x)));
            case "zq-int8", "zq-int4" -> {
                p.allow("asym");
                DeepSpeedQuantizer q = new DeepSpeedQuantizer(p.base.endsWith("8") ? 8 : 4, !p.has("asym"));
                yield new ActFormat(p.name, q.bits(), (k, x, f) -> q.perToken(x, f));
            }
            case "qli-int8" -> {
                MinMaxQuantizer q = new MinMaxQuantizer(8, false);
                yield p.only(new ActFormat(p.name, 8, (k, x, f) -> q.fakeQuantize(x, f)));
            }
            case "e4m3", "e5m2", "e2m1" -> {
                p.allow("qtorch");
                FloatFormat fmt = FloatFormat.parse(p.base);
                LlmcFloatQuantizer q = LlmcFloatQuantizer.perRow(fmt, Granularity.PER_TOKEN, p.has("qtorch"));
                yield new ActFormat(p.name, fmt.bits(), (k, x, f) -> q.fakeQuantize(x, x.length / f, f));
            }
            default -> {
                MxQuantizer mx = p.mx();
                yield new ActFormat(p.name, mx.format().bits(), (k, x, f) -> mx.fakeQuantize(x, x.length / f, f));
            }
        };
    }

    /** A weight format by name. */
    public static WeightQuantFormat weight(String name) {
        Parsed p = Parsed.of(name);
        return switch (p.base) {
            case "int8", "int8-channel" -> p.only(format(p.name, (w, r, c) -> W8A8.weightPerChannel(w, c),
                    (r, c) -> 8 + (double) SCALE_BITS / c,
                    (w, r, c) -> IntCodes.symmetric(w, r, 8, IntCodes.Rule.ABSMAX_127)));
            case "int8-tensor" -> p.only(format(p.name, (w, r, c) -> W8A8.weightPerTensor(w),
                    (r, c) -> 8 + (double) SCALE_BITS / ((double) r * c),
                    (w, r, c) -> IntCodes.symmetric(w, 1, 8, IntCodes.Rule.ABSMAX_127)));
            case "zq-int8", "zq-int4" -> {
                p.allow("asym", "g");
                DeepSpeedQuantizer q = new DeepSpeedQuantizer(p.base.endsWith("8") ? 8 : 4, !p.has("asym"));
                int groups = p.group;
                int scaleBits = q.symmetric() ? SCALE_BITS : 2 * SCALE_BITS;
                yield format(p.name, (w, r, c) -> q.fakeQuantize(w, groups > 0 ? groups : r),
                        (r, c) -> q.bits() + (double) scaleBits * (groups > 0 ? groups : r) / ((double) r * c),
                        q.symmetric() ? (w, r, c) -> IntCodes.symmetric(w, groups > 0 ? groups : r, q.bits(),
                                IntCodes.Rule.DEEPSPEED) : null);
            }
            case "qli-int8" -> {
                MinMaxQuantizer q = new MinMaxQuantizer(8, false);
                yield p.only(format(p.name, (w, r, c) -> q.fakeQuantize(w, c), (r, c) -> 8 + 2.0 * SCALE_BITS / c,
                        (w, r, c) -> IntCodes.minMax(w, c, 8)));
            }
            case "e4m3", "e5m2", "e2m1" -> {
                p.allow("qtorch", "g");
                FloatFormat fmt = FloatFormat.parse(p.base);
                LlmcFloatQuantizer q = p.group > 0
                        ? new LlmcFloatQuantizer(fmt, Granularity.PER_GROUP, p.group, p.has("qtorch"))
                        : LlmcFloatQuantizer.perRow(fmt, Granularity.PER_CHANNEL, p.has("qtorch"));
                int group = p.group;
                yield format(p.name, (w, r, c) -> q.fakeQuantize(w, r, c),
                        (r, c) -> fmt.bits() + (double) SCALE_BITS / (group > 0 ? group : c));
            }
            case "fp8-block" -> p.only(format(p.name,
                    (w, r, c) -> LlmcFloatQuantizer.blockE4m3(w, r, c, 128).dequantize(),
                    (r, c) -> 8 + 32.0 * Math.ceil(r / 128.0) * Math.ceil(c / 128.0) / ((double) r * c)));
            default -> {
                MxQuantizer mx = p.mx();
                yield format(p.name, (w, r, c) -> mx.fakeQuantize(w, r, c),
                        (r, c) -> mx.format().bits() + 8.0 / mx.blockSize());
            }
        };
    }

    private interface Apply {
        float[] apply(float[] w, int rows, int cols);
    }

    private interface Bits {
        double bits(int rows, int cols);
    }

    private interface Codes {
        IntCodes codes(float[] w, int rows, int cols);
    }

    private static WeightQuantFormat format(String name, Apply apply, Bits bits) {
        return format(name, apply, bits, null);
    }

    /** A format; {@code codes} (may be null) gives its symmetric integer codes. */
    private static WeightQuantFormat format(String name, Apply apply, Bits bits, Codes codes) {
        return new WeightQuantFormat() {
            @Override
            public java.util.Optional<IntCodes> codes(float[] w, int rows, int cols) {
                return codes == null ? java.util.Optional.empty() : java.util.Optional.of(codes.codes(w, rows, cols));
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public float[] apply(float[] w, int rows, int cols) {
                return apply.apply(w, rows, cols);
            }

            @Override
            public double bitsPerWeight(int rows, int cols) {
                return bits.bits(rows, cols);
            }
        };
    }

    /** A name split into its base and its suffixes ({@code e2m1-qtorch-g128}: base e2m1, qtorch, group 128). */
    private static final class Parsed {
        final String name;
        final String base;
        final List<String> flags = new ArrayList<>();
        int group;

        private Parsed(String name) {
            this.name = name;
            String[] parts = name.split("-");
            int baseParts = parts.length > 1 && List.of("int8", "mxfp8", "mxfp6", "mxfp4").contains(parts[0])
                    && !parts[1].equals("even") && !parts[1].equals("asym") && !parts[1].startsWith("g") ? 2 : 1;
            if (parts[0].equals("zq") || parts[0].equals("qli") || parts[0].equals("fp8")) {
                baseParts = Math.min(2, parts.length);
            }
            base = String.join("-", Arrays.copyOfRange(parts, 0, baseParts));
            for (int i = baseParts; i < parts.length; i++) {
                if (parts[i].matches("g\\d+")) {
                    group = Integer.parseInt(parts[i].substring(1));
                    flags.add("g");
                } else {
                    flags.add(parts[i]);
                }
            }
        }

        static Parsed of(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("empty fake-quantization format name");
            }
            return new Parsed(name.trim().toLowerCase(Locale.ROOT));
        }

        boolean has(String flag) {
            return flags.contains(flag);
        }

        /** Refuses suffixes other than {@code allowed}. */
        void allow(String... allowed) {
            for (String f : flags) {
                if (!List.of(allowed).contains(f)) {
                    throw unknown();
                }
            }
        }

        <T> T only(T format) {
            allow();
            return format;
        }

        /** The MX quantizer of an {@code mxfp*} name (block 32, 'nearest' unless {@code -even}). */
        MxQuantizer mx() {
            allow("even");
            MxFormat f = switch (base) {
                case "mxfp8", "mxfp8-e4m3" -> MxFormat.FP8_E4M3;
                case "mxfp8-e5m2" -> MxFormat.FP8_E5M2;
                case "mxfp6-e3m2" -> MxFormat.FP6_E3M2;
                case "mxfp6-e2m3" -> MxFormat.FP6_E2M3;
                case "mxfp4", "mxfp4-e2m1" -> MxFormat.FP4_E2M1;
                default -> throw unknown();
            };
            return new MxQuantizer(f, has("even") ? MxQuantizer.Rounding.EVEN : MxQuantizer.Rounding.NEAREST, 32);
        }

        IllegalArgumentException unknown() {
            return new IllegalArgumentException("unknown fake-quantization format '" + name + "' (known: int8, "
                    + "int8-token, int8-tensor, int8-channel, zq-int8, zq-int4 [-asym] [-g<N>], qli-int8, e4m3, e5m2, "
                    + "e2m1 [-qtorch] [-g<N>], fp8-block, mxfp8[-e4m3|-e5m2], mxfp6-e3m2, mxfp6-e2m3, mxfp4[-e2m1] "
                    + "[-even])");
        }
    }
}
