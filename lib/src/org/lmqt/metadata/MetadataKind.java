package org.lmqt.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.device.ComputeDevice;
import org.lmqt.io.PyFloat;
import org.lmqt.quant.DjlHqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.WeightQuantizer;

/**
 * The per-matrix metadata tables of the original, with their file names, columns and row order (lmqt-spec §5.1-5.3):
 * {@code fnorm-<short>.csv} (12 configs per matrix), {@code kurtosis-<short>.csv}, {@code wdist-<short>.csv}.
 */
public enum MetadataKind {
    /** Quantization error of the 12 MXQ candidate configs; layer-major, modules q, v, k, o, gate, up, down. */
    FNORM("fnorm", "layer,module,nbit1,gsize1,nbit2,gsize2,fnorm,memmb,params") {
        @Override
        List<Item> items(ModelFamily f, int layers) {
            List<Item> out = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                for (String m : f.linearModules()) {
                    out.add(new Item(l, m));
                }
            }
            return out;
        }

        @Override
        int rowsPerItem() {
            return QuantConfig.MXQ_CANDIDATES.size();
        }

        @Override
        List<String> rows(Item item, Tensor w, ExecutorService pool, ComputeDevice device) throws InterruptedException, ExecutionException {
            // the 12 configs of one matrix run in parallel, each single-threaded
            // the Java kernel on CPU, DJL on CUDA
            WeightQuantizer quantizer = DjlHqq.forDevice(device);
            List<Future<Double>> norms = new ArrayList<>();
            for (QuantConfig c : QuantConfig.MXQ_CANDIDATES) {
                norms.add(pool.submit(() -> Fnorm.of(quantizer, w, c)));
            }
            List<String> out = new ArrayList<>();
            for (int k = 0; k < norms.size(); k++) {
                QuantConfig c = QuantConfig.MXQ_CANDIDATES.get(k);
                out.add(item.layer() + "," + item.module() + "," + c.bits() + "," + c.group() + "," + c.metaBits() + ","
                        + c.metaGroup() + "," + PyFloat.repr(norms.get(k).get()) + "," + PyFloat.repr(c.memoryMiB(w.numel()))
                        + "," + w.numel());
            }
            return out;
        }
    },

    /** Pearson kurtosis per matrix; module-major (q, k, v, o, gate, down, up), then layer. */
    KURTOSIS("kurtosis", "module,layer,param_count,kurtosis") {
        @Override
        List<Item> items(ModelFamily f, int layers) {
            return moduleMajor(f.kurtosisModules(), layers);
        }

        @Override
        List<String> rows(Item item, Tensor w, ExecutorService pool, ComputeDevice device) {
            return List.of(item.module() + "," + item.layer() + "," + w.numel() + ","
                    + PyFloat.repr(Moments.pearsonKurtosis(w.data())));
        }
    },

    /** |w| percentiles (0, 99, 99.9, 99.99, 100) and kurtosis of the linear weights and norms; alphabetical modules. */
    WDIST("wdist", "module,param_count,layer,percentile_0,percentile_99,percentile_999,percentile_9999,percentile_100,kurtosis") {
        @Override
        List<Item> items(ModelFamily f, int layers) {
            return moduleMajor(f.wdistModules(), layers);
        }

        @Override
        List<String> rows(Item item, Tensor w, ExecutorService pool, ComputeDevice device) {
            double[] p = Percentiles.ofAbsolute(w.data(), 0, 99, 99.9, 99.99, 100);
            StringBuilder row = new StringBuilder(item.module() + "," + w.numel() + "," + item.layer());
            for (double v : p) {
                row.append(',').append(PyFloat.repr(v));
            }
            return List.of(row.append(',').append(PyFloat.repr(Moments.pearsonKurtosis(w.data()))).toString());
        }
    };

    /** One matrix of the model: a module of a layer. */
    public record Item(int layer, String module) {}

    private final String prefix;
    private final String header;

    MetadataKind(String prefix, String header) {
        this.prefix = prefix;
        this.header = header;
    }

    /** The CSV header line. */
    public String header() {
        return header;
    }

    /** The original's file name for a model: {@code <prefix>-<short id>.csv}. */
    public String fileName(String shortId) {
        return prefix + "-" + shortId + ".csv";
    }

    /**
     * The model short id in a table's file name, the inverse of {@link #fileName}: {@code fnorm-Llama-2-7b-hf.csv}
     * (or a path ending in it) gives {@code Llama-2-7b-hf}; a name without the prefix keeps it.
     */
    public String shortId(String fileName) {
        String s = fileName.replaceFirst("^.*/", "");
        s = s.endsWith(".csv") ? s.substring(0, s.length() - 4) : s;
        return s.startsWith(prefix + "-") ? s.substring(prefix.length() + 1) : s;
    }

    /** The matrices of a model in the table's row order. */
    abstract List<Item> items(ModelFamily family, int layers);

    /** Rows the table has per matrix. */
    int rowsPerItem() {
        return 1;
    }

    /** The rows of one matrix. */
    abstract List<String> rows(Item item, Tensor w, ExecutorService pool, ComputeDevice device) throws InterruptedException, ExecutionException;

    /** Rows of a complete table for {@code ckpt}. */
    public int expectedRows(Checkpoint ckpt) {
        return items(ckpt.family(), ckpt.config().numLayers()).size() * rowsPerItem();
    }

    private static List<Item> moduleMajor(List<String> modules, int layers) {
        List<Item> out = new ArrayList<>();
        for (String m : modules) {
            for (int l = 0; l < layers; l++) {
                out.add(new Item(l, m));
            }
        }
        return out;
    }
}
