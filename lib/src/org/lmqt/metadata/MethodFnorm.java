package org.lmqt.metadata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.ProgressBar;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.io.AtomicFiles;
import org.lmqt.io.PyFloat;
import org.lmqt.quant.BnbQuantizer;
import org.lmqt.quant.DjlHqq;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.WeightQuantizer;

/**
 * The FNorm table of any quantizer ({@code dump-fnorm --method}): for every weight matrix the error of each config the
 * method has, in the columns and row order of the original's table ({@link MetadataKind#FNORM}), so {@code mxq}
 * allocates over it unchanged.
 * <ul>
 * <li>{@code hqq} (default): the original's table, {@code fnorm-<model>.csv}, written by {@link MetadataDump}
 * (byte-identical to {@code dump-fnorm} without {@code --method}).</li>
 * <li>{@code rtn}: min-max rounding with HQQ's grouping (no proximal step), the 12 configs.</li>
 * <li>{@code nf4}: bitsandbytes NF4 with double quantization in blocks of the group size; NF4 has only 4 bits, so the
 * table holds the 3 configs {@code b4g32, b4g64, b4g128} (the 2-, 3- and 8-bit ones do not exist in the format).</li>
 * <li>{@code gptq}: the 12 configs ({@code GptqOptions.DEFAULT}: sym, natural order, damp 0.01).</li>
 * <li>{@code awq}: AutoAWQ's flavour at 4 bits (its GEMM layout), the 3 configs {@code b4g32, b4g64, b4g128}.</li>
 * </ul>
 * Non-default methods write {@code fnorm-<model>-<method>.csv}. Columns {@code nbit2, gsize2} stay 8 and 128 and
 * {@code memmb} is MXQ's accounting {@code b1 + 2*8/g1 + 32/(g1*128)} for every method, so budgets mean the same bits
 * per parameter across tables (the formats' real bytes differ a little; the harness reports them as
 * {@code model_storage_size}).
 * <p>The calibrated methods ({@link CalibratedFnorm}) add a column {@code output_fnorm}: {@code ||X Wᵀ - X Qᵀ||_F} over
 * all calibration tokens, where {@code Q} is the weight the layer computes with (for AWQ with its scales folded back).
 */
public final class MethodFnorm {
    /** The column the calibrated methods append: the output error on the calibration inputs. */
    public static final String OUTPUT_COLUMN = "output_fnorm";
    /** The methods with a table. */
    public static final List<QuantMethod> METHODS = List.of(QuantMethod.RTN, QuantMethod.HQQ, QuantMethod.GPTQ,
            QuantMethod.AWQ, QuantMethod.NF4);

    private MethodFnorm() {}

    /** Parses {@code rtn|hqq|gptq|awq|nf4}; one line naming the known methods otherwise. */
    public static QuantMethod parse(String name) {
        for (QuantMethod m : METHODS) {
            if (m.name().equalsIgnoreCase(name.strip())) {
                return m;
            }
        }
        throw new UserException("unknown FNorm method '" + name + "' (known: rtn, hqq, gptq, awq, nf4)");
    }

    /** The method's CLI name ({@code gptq}). */
    public static String cliName(QuantMethod m) {
        return m.name().toLowerCase(Locale.ROOT);
    }

    /** The configs of {@code method}'s table, in the original's row order (nbit1, then gsize1). */
    public static List<QuantConfig> configs(QuantMethod method) {
        if (!METHODS.contains(method)) {
            throw new UserException(cliName(method) + " has no FNorm table (methods: rtn, hqq, gptq, awq, nf4)");
        }
        int bits = method.requiredBits();
        return QuantConfig.MXQ_CANDIDATES.stream().filter(c -> bits == 0 || c.bits() == bits).toList();
    }

    /** A one-line error when {@code method} lacks {@code config} ({@code nf4} at 3 bits), naming what it has. */
    public static void requireConfig(QuantMethod method, QuantConfig config) {
        if (!configs(method).contains(config)) {
            throw new UserException(cliName(method) + " has no config " + config + " (its configs: "
                    + configs(method).stream().map(QuantConfig::name).toList() + ")");
        }
    }

    /** {@code fnorm-<model>.csv} for hqq, {@code fnorm-<model>-<method>.csv} for the others. */
    public static String fileName(String shortId, QuantMethod method) {
        return method == QuantMethod.HQQ ? MetadataKind.FNORM.fileName(shortId)
                : "fnorm-" + shortId + "-" + cliName(method) + ".csv";
    }

    /**
     * The model short id of a table's file name, the inverse of {@link #fileName}: {@code fnorm-tiny-gptq.csv} gives
     * {@code tiny} (a trailing {@code -rtn|-gptq|-awq|-nf4} is the method's).
     */
    public static String shortId(String fileName) {
        String id = MetadataKind.FNORM.shortId(fileName);
        for (QuantMethod m : METHODS) {
            String suffix = "-" + cliName(m);
            if (m != QuantMethod.HQQ && id.endsWith(suffix) && id.length() > suffix.length()) {
                return id.substring(0, id.length() - suffix.length());
            }
        }
        return id;
    }

    /** The header line of {@code method}'s table. */
    public static String header(QuantMethod method) {
        return MetadataKind.FNORM.header() + (method.isCalibrated() ? "," + OUTPUT_COLUMN : "");
    }

    /**
     * One row: {@code layer,module,b1,g1,8,128,fnorm,memmb,params} and, when {@code outputError} is not NaN,
     * {@code ,output_fnorm}.
     */
    static String row(int layer, String module, QuantConfig c, double fnorm, long params, double outputError) {
        return layer + "," + module + "," + c.bits() + "," + c.group() + "," + c.metaBits() + "," + c.metaGroup() + ","
                + PyFloat.repr(fnorm) + "," + PyFloat.repr(c.memoryMiB(params)) + "," + params
                + (Double.isNaN(outputError) ? "" : "," + PyFloat.repr(outputError));
    }

    /**
     * Writes {@code method}'s table for {@code ckpt} into {@code outDir} unless a complete one exists ({@code force}
     * rewrites); {@code windows} gives the calibration windows of gptq and awq, asked only when they compute.
     */
    public static MetadataDump.Outcome write(QuantMethod method, Checkpoint ckpt, Path outDir, int threads,
                                             boolean force, ComputeDevice device,
                                             java.util.function.Supplier<long[][]> windows) {
        configs(method);   // an unknown method fails first
        if (method == QuantMethod.HQQ) {
            return MetadataDump.write(MetadataKind.FNORM, ckpt, outDir, threads, force, device);
        }
        Path file = outDir.resolve(fileName(ckpt.shortId(), method));
        int expected = MetadataKind.FNORM.items(ckpt.family(), ckpt.config().numLayers()).size()
                * configs(method).size();
        if (!force && MetadataDump.isComplete(file, header(method), expected)) {
            return new MetadataDump.Outcome(file, true, expected, 0);
        }
        long t0 = System.nanoTime();
        List<String> rows = method.isCalibrated()
                ? new CalibratedFnorm(method, threads, device).rows(ckpt, windows.get(), partFile(file))
                : dataFreeRows(method, ckpt, threads, device);
        AtomicFiles.writeText(file, w -> {
            w.write(header(method));
            w.write('\n');
            for (String l : rows) {
                w.write(l);
                w.write('\n');
            }
        });
        deleteQuietly(partFile(file));
        return new MetadataDump.Outcome(file, false, rows.size(), (System.nanoTime() - t0) / 1e9);
    }

    /** Where a calibrated table's finished blocks are kept until it is complete ({@code .<file>.part}). */
    static Path partFile(Path table) {
        return table.resolveSibling("." + table.getFileName() + ".part");
    }

    /** rtn and nf4: each matrix's configs in parallel, one matrix read at a time. */
    private static List<String> dataFreeRows(QuantMethod method, Checkpoint ckpt, int threads, ComputeDevice device) {
        ModelFamily family = ckpt.family();
        List<MetadataKind.Item> items = MetadataKind.FNORM.items(family, ckpt.config().numLayers());
        for (MetadataKind.Item it : items) {
            ckpt.entry(family.weightName(it.layer(), it.module()));   // a missing tensor fails before any work
        }
        WeightQuantizer hqqKernel = DjlHqq.forDevice(device);
        List<QuantConfig> configs = configs(method);
        List<String> rows = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try (ProgressBar bar = new ProgressBar("fnorm " + cliName(method) + " " + ckpt.shortId(), items.size())) {
            for (MetadataKind.Item it : items) {
                Tensor w = ckpt.tensor(family.weightName(it.layer(), it.module()));   // [out, in]
                List<Future<Double>> norms = new ArrayList<>();
                for (QuantConfig c : configs) {
                    norms.add(pool.submit(() -> weightError(w, dequantized(method, hqqKernel, w, c))));
                }
                for (int k = 0; k < configs.size(); k++) {
                    rows.add(row(it.layer(), it.module(), configs.get(k), norms.get(k).get(), w.numel(), Double.NaN));
                }
                bar.step();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return rows;
    }

    /** The deployed weight of a data-free method; [out, in]. */
    private static float[] dequantized(QuantMethod method, WeightQuantizer hqqKernel, Tensor w, QuantConfig c) {
        return switch (method) {
            // RTN as the FNorm tool runs HQQ: every default, only the proximal step off
            case RTN -> hqqKernel.apply(w.data(), w.shape(), Hqq.Spec.rtn(c.bits(), c.group())).dequantizeHalf();
            case NF4 -> BnbQuantizer.NF4.quantize(w.data(), w.shape(), c, java.util.Optional.empty()).dequantize();
            default -> throw new IllegalArgumentException(method + " is not data-free here");
        };
    }

    /** {@code ||W - Q||_F} as the original's FNorm computes it (in fp16 for fp16 checkpoints). */
    static double weightError(Tensor w, float[] q) {
        return Fnorm.norm(w.data(), q, w.storage() == DType.F16);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + p + ": " + e.getMessage(), e);
        }
    }

    /** Appends lines to {@code file} (created when missing) and forces them to disk. */
    static void append(Path file, List<String> lines) {
        StringBuilder b = new StringBuilder();
        lines.forEach(l -> b.append(l).append('\n'));
        try {
            Files.write(file, b.toString().getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
