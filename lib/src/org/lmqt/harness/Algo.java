package org.lmqt.harness;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.lmqt.io.PyFloat;
import org.lmqt.quant.QuantConfig;

/**
 * The quantization methods of the grid (the original's {@code --algo}) with their config names: {@code base} for
 * fp16, {@code b<bits>g<group>} for the uniform methods, the bit budget with two decimals and an underscore
 * ({@code 4_25}) for MXQ.
 */
public enum Algo {
    /** The unquantized model (never quantized, config {@code base}). */
    FP16,
    /** Round-to-nearest with the fork's meta-quantization (no proximal optimisation); not in the original's grid. */
    RTN,
    /** HQQ with a uniform config for every linear layer. */
    HQQ,
    /** MXQ: a per-matrix config from the FNorm table under a bit budget. */
    MXQ,
    /**
     * bitsandbytes: {@code b4g64} NF4 with double quantization, {@code b8g128} LLM.int8 weights; quantized as the model
     * loads (no snapshot), as the original's {@code from_pretrained} with a quantization config does.
     */
    BNB,
    /**
     * GPTQ as AutoGPTQ runs it (sym, damp 0.01, no act-order, true-sequential) on the calibration windows; the
     * snapshot in AutoGPTQ's layout, cached like HQQ's.
     */
    GPTQ,
    /** AWQ as AutoAWQ runs it (duo scaling, zero point), on the calibration windows; the snapshot in GEMM layout. */
    AWQ,
    /**
     * SmoothQuant W8A8 (mit-han-lab/smoothquant; configs {@code w8a8[-tensor|-static|-qli][-a<alpha>][-inplace]}),
     * calibrated on the same windows as GPTQ; fake-quantized as it loads.
     */
    SMOOTHQUANT,
    /** ZeroQuant as qllm-infer runs DeepSpeed compression ({@code qli}, {@code w8a8}, {@code w4a8}); data-free. */
    ZEROQUANT,
    /** LLMC's FP8 fake quantization ({@code e4m3}, {@code e5m2}; {@code -w} weights only, {@code -qtorch}). */
    FP8,
    /** LLMC's FP4 fake quantization ({@code e2m1}; {@code -w}, {@code -g<N>}, {@code -qtorch}). */
    FP4,
    /** microxcaling MXFP8 ({@code e4m3}, {@code e5m2}; {@code -w}, {@code -even}). */
    MXFP8,
    /** microxcaling MXFP4 ({@code e2m1}; {@code -w}, {@code -even}). */
    MXFP4,
    /**
     * MXQ over GPTQ ({@code --algo mxq --base-method gptq}, name {@code mxq-gptq}): the allocation of the GPTQ FNorm
     * table, every matrix GPTQ-quantized at its config in one block-wise pass on the calibration windows; the snapshot
     * in GPTQModel's layout with per-module configs ({@code dynamic}).
     */
    MXQ_GPTQ,
    /**
     * MXQ over bitsandbytes NF4 ({@code --base-method nf4}, name {@code mxq-nf4}): the allocation of the NF4 table
     * (block sizes 32, 64, 128), quantized as the model loads, as {@link #BNB}.
     */
    MXQ_NF4;

    /** The MXQ algos: plain (HQQ) and over another base method. */
    public boolean isMxq() {
        return this == MXQ || this == MXQ_GPTQ || this == MXQ_NF4;
    }

    /** The quantizer an MXQ algo allocates the configs of ({@code hqq} for plain MXQ). */
    public org.lmqt.quant.QuantMethod mxqBase() {
        return switch (this) {
            case MXQ -> org.lmqt.quant.QuantMethod.HQQ;
            case MXQ_GPTQ -> org.lmqt.quant.QuantMethod.GPTQ;
            case MXQ_NF4 -> org.lmqt.quant.QuantMethod.NF4;
            default -> throw new IllegalStateException(this + " is not an MXQ algo");
        };
    }

    /**
     * The MXQ algo of {@code --base-method} ({@code hqq}: plain {@link #MXQ}); one line for an unknown method, and for
     * awq, which the harness cannot run mixed (AWQ's scale search quantizes the linears sharing an input at one
     * config, and AutoAWQ's GEMM layout has one group size).
     */
    public static Algo mxqOver(String baseMethod) {
        return switch (baseMethod.strip().toLowerCase(Locale.ROOT)) {
            case "hqq" -> MXQ;
            case "gptq" -> MXQ_GPTQ;
            case "nf4" -> MXQ_NF4;
            case "awq" -> throw new org.lmqt.cli.UserException("--base-method awq: the harness cannot quantize with "
                    + "mixed AWQ configs (its scale search quantizes the linears that share an input at one config, and "
                    + "AutoAWQ's GEMM layout has one group size); dump-fnorm --method awq and mxq still allocate them");
            default -> throw new org.lmqt.cli.UserException("unknown --base-method '" + baseMethod
                    + "' (hqq, gptq, nf4)");
        };
    }

    /** True for the fake-quantization methods of {@code org.lmqt.actquant} (activations and float formats). */
    public boolean isFakeQuant() {
        return switch (this) {
            case SMOOTHQUANT, ZEROQUANT, FP8, FP4, MXFP8, MXFP4 -> true;
            default -> false;
        };
    }

    /** The float family of {@code fp8}, {@code fp4}, {@code mxfp8}, {@code mxfp4}. */
    public org.lmqt.actquant.FakeQuantRecipe.FloatFamily floatFamily() {
        return org.lmqt.actquant.FakeQuantRecipe.FloatFamily.valueOf(name());
    }

    /** GPTQ and AWQ: quantized block by block on calibration data. */
    public boolean isCalibrated() {
        return this == GPTQ || this == AWQ;
    }

    /** The original's {@code HQQ_CONFIGS}, in its order (also the default for {@code rtn}). */
    public static final List<String> HQQ_CONFIGS = List.of("b8g32", "b8g64", "b8g128", "b4g32", "b4g64", "b4g128",
            "b3g32", "b3g64", "b3g128", "b2g16", "b2g32", "b2g64");
    /** The original's {@code GPTQ_CONFIGS}, in its order. */
    public static final List<String> GPTQ_CONFIGS = List.of("b8g32", "b8g64", "b8g128", "b4g32", "b4g64", "b4g128",
            "b3g32", "b3g64", "b3g128");
    /** The original's {@code AUTOAWQ_CONFIGS}. */
    public static final List<String> AWQ_CONFIGS = List.of("b4g32", "b4g64", "b4g128");
    /** The original's {@code BNB_CONFIGS}. */
    public static final List<String> BNB_CONFIGS = List.of("b4g64", "b8g128");
    /** The original's default {@code MXQ_CONFIGS} budgets, in its order. */
    public static final List<String> MXQ_BUDGETS = List.of("5.00", "4.75", "4.50", "4.25", "4.01", "3.76", "3.50",
            "3.00", "2.75", "2.48");

    /** Default budgets of {@code mxq-nf4}: NF4 has only 4 bits, so MXQ's accounting spans b4g128 4.13 to b4g32 4.51. */
    public static final List<String> MXQ_NF4_BUDGETS = List.of("4.50", "4.25", "4.13");

    /** The original's name ({@code hqq}, lmqt's {@code mxq-gptq}); also the snapshot folder suffix. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses an algo name; a one-line error listing the known names otherwise. */
    public static Algo parse(String s) {
        return CliNames.parse(values(), Algo::cliName, s, "algo");
    }

    /** The config names this algo runs when {@code --config} is not given. */
    public List<String> defaultConfigs() {
        return switch (this) {
            case FP16 -> List.of("base");
            case RTN, HQQ -> HQQ_CONFIGS;
            case MXQ, MXQ_GPTQ -> MXQ_BUDGETS.stream().map(b -> configName(b).orElseThrow()).toList();
            case MXQ_NF4 -> MXQ_NF4_BUDGETS.stream().map(b -> configName(b).orElseThrow()).toList();
            case BNB -> BNB_CONFIGS;
            case GPTQ -> GPTQ_CONFIGS;
            case AWQ -> AWQ_CONFIGS;
            case SMOOTHQUANT -> List.of("w8a8", "w8a8-static");
            case ZEROQUANT -> List.of("qli", "w8a8");
            case FP8 -> List.of("e4m3", "e5m2");
            case FP4, MXFP4 -> List.of("e2m1");
            case MXFP8 -> List.of("e4m3");
        };
    }

    /**
     * The config name of a {@code --config} value for this algo, or empty when the value is not one of this algo's
     * ({@code 4.25} is not an HQQ config, {@code b4g64} not an MXQ budget). fp16 takes only {@code base}.
     */
    public Optional<String> configName(String value) {
        String v = value.trim();
        return switch (this) {
            case FP16 -> v.equals("base") ? Optional.of(v) : Optional.empty();
            case RTN, HQQ -> {
                try {
                    yield Optional.of(QuantConfig.parse(v).name());
                } catch (IllegalArgumentException e) {
                    yield Optional.empty();
                }
            }
            case BNB -> BNB_CONFIGS.contains(v) ? Optional.of(v) : Optional.empty();
            case AWQ -> {
                try {
                    QuantConfig c = QuantConfig.parse(v);
                    yield c.bits() == 4 ? Optional.of(c.name()) : Optional.empty();
                } catch (IllegalArgumentException e) {
                    yield Optional.empty();
                }
            }
            case GPTQ -> {
                try {
                    QuantConfig c = QuantConfig.parse(v);
                    yield org.lmqt.quant.gptq.Gptq.BITS.contains(c.bits()) ? Optional.of(c.name()) : Optional.empty();
                } catch (IllegalArgumentException e) {
                    yield Optional.empty();
                }
            }
            case SMOOTHQUANT -> org.lmqt.actquant.SmoothQuantConfig.looksLike(v)
                    ? Optional.of(org.lmqt.actquant.SmoothQuantConfig.parse(v).name()) // a bad alpha: one-line error
                    : Optional.empty();
            case ZEROQUANT -> {
                try {
                    yield Optional.of(org.lmqt.actquant.FakeQuantRecipe.zeroquant(v).name());
                } catch (IllegalArgumentException e) {
                    yield Optional.empty();
                }
            }
            case FP8, FP4, MXFP8, MXFP4 -> {
                try {
                    yield Optional.of(org.lmqt.actquant.FakeQuantRecipe.floats(floatFamily(), v).name());
                } catch (IllegalArgumentException e) {
                    yield Optional.empty();
                }
            }
            case MXQ, MXQ_GPTQ, MXQ_NF4 -> {
                try {
                    double budget = Double.parseDouble(v.replace('_', '.'));
                    yield Optional.of(new BigDecimal(Double.toString(budget)).setScale(2, RoundingMode.HALF_EVEN)
                            .toPlainString().replace('.', '_'));
                } catch (NumberFormatException e) {
                    yield Optional.empty();
                }
            }
        };
    }

    /** The bit budget of an MXQ config name ({@code 4_25} is 4.25). */
    public static double budget(String mxqConfigName) {
        return Double.parseDouble(mxqConfigName.replace('_', '.'));
    }

    /**
     * The original's {@code config_detail}: Python's {@code str()} of the config dict ({@code {}} for fp16; the
     * {@code BaseQuantizeConfig(nbits, group_size, quant_scale=True)} dict for HQQ; the same with nbits 4, group 64,
     * {@code mixed True} and the budget for MXQ). RTN, which the original lacks, writes {@code 'optimize': False}.
     */
    public String configDetail(String configName) {
        return switch (this) {
            case FP16 -> "{}";
            case RTN, HQQ -> {
                QuantConfig c = QuantConfig.parse(configName);
                yield hqqDict(c.bits(), c.group(), this == HQQ, false, 0.0);
            }
            case MXQ -> hqqDict(4, 64, true, true, budget(configName));
            case MXQ_GPTQ -> "{'quant_method': 'gptq', 'damp_percent': 0.01, 'desc_act': False, 'sym': True, "
                    + "'true_sequential': True, 'mixed': True, 'budget': " + PyFloat.repr(budget(configName)) + "}";
            case MXQ_NF4 -> "{'quant_method': 'bitsandbytes', 'bnb_4bit_quant_type': 'nf4', "
                    + "'bnb_4bit_use_double_quant': True, 'mixed': True, 'budget': " + PyFloat.repr(budget(configName))
                    + "}";
            case BNB -> bnbConfig(configName.equals("b4g64"));
            case AWQ -> "{'w_bit': 4, 'q_group_size': " + QuantConfig.parse(configName).group()
                    + ", 'zero_point': True, 'version': 'GEMM'}";
            case SMOOTHQUANT -> {
                var c = org.lmqt.actquant.SmoothQuantConfig.parse(configName);
                yield "{'alpha': " + PyFloat.repr(c.alpha()) + ", 'scheme': '" + c.scheme().name().toLowerCase(Locale.ROOT)
                        + "', 'inplace': " + py(c.sharedInputQuirk()) + "}";
            }
            case ZEROQUANT, FP8, FP4, MXFP8, MXFP4 -> "{'config': '" + configName + "'}";
            case GPTQ -> {
                QuantConfig c = QuantConfig.parse(configName);
                yield "BaseQuantizeConfig(bits=" + c.bits() + ", group_size=" + c.group() + ", damp_percent=0.01, "
                        + "desc_act=False, static_groups=False, sym=True, true_sequential=True, quant_method='gptq', "
                        + "checkpoint_format='gptq', model_name_or_path=None, model_file_base_name=None)";
            }
        };
    }

    /** The method and config a bnb config name stands for: NF4 in blocks of 64, or LLM.int8. */
    public static org.lmqt.quant.MatrixChoice bnbChoice(String configName) {
        return configName.equals("b4g64")
                ? new org.lmqt.quant.MatrixChoice(org.lmqt.quant.QuantMethod.NF4, QuantConfig.parse("b4g64"))
                : new org.lmqt.quant.MatrixChoice(org.lmqt.quant.QuantMethod.INT8, QuantConfig.parse("b8g128"));
    }

    /** {@code str(BitsAndBytesConfig)} with its newlines removed, as the archived results hold it. */
    private static String bnbConfig(boolean nf4) {
        String b4 = py(nf4).toLowerCase(Locale.ROOT);
        String b8 = py(!nf4).toLowerCase(Locale.ROOT);
        return "BitsAndBytesConfig {  \"_load_in_4bit\": " + b4 + ",  \"_load_in_8bit\": " + b8
                + ",  \"bnb_4bit_compute_dtype\": \"float16\",  \"bnb_4bit_quant_storage\": \"uint8\",  "
                + "\"bnb_4bit_quant_type\": \"" + (nf4 ? "nf4" : "fp4") + "\",  \"bnb_4bit_use_double_quant\": " + b4
                + ",  \"llm_int8_enable_fp32_cpu_offload\": false,  \"llm_int8_has_fp16_weight\": false,  "
                + "\"llm_int8_skip_modules\": null,  \"llm_int8_threshold\": 6.0,  \"load_in_4bit\": " + b4
                + ",  \"load_in_8bit\": " + b8 + ",  \"quant_method\": \"bitsandbytes\"}";
    }

    private static String hqqDict(int bits, int group, boolean optimize, boolean mixed, double budget) {
        return "{'weight_quant_params': {'nbits': " + bits + ", 'channel_wise': True, 'group_size': " + group
                + ", 'optimize': " + py(optimize) + ", 'round_zero': " + py(bits == 4)
                + ", 'axis': 0, 'view_as_float': False}, "
                + "'scale_quant_params': {'nbits': 8, 'channel_wise': True, 'group_size': 128, 'optimize': False}, "
                + "'zero_quant_params': {'nbits': 8, 'channel_wise': False, 'group_size': None, 'optimize': False}, "
                + "'offload_meta': False, 'mixed': " + py(mixed) + ", 'budget': " + PyFloat.repr(budget) + "}";
    }

    private static String py(boolean b) {
        return b ? "True" : "False";
    }

    @Override
    public String toString() {
        return cliName();
    }
}
