package org.lmqt.calib;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.lmqt.checkpoint.HubCache;
import org.lmqt.checkpoint.HubDataset;
import org.lmqt.cli.UserException;
import org.lmqt.io.DataFiles;
import org.lmqt.io.TextRecords;

/**
 * The calibration data sets of the sensitivity tool (lmqt-spec §4.9 step 2) by name, read from local files only
 * (never the network): {@code pileval} ({@code mit-han-lab/pile-val-backup}, {@code val.jsonl.zst}),
 * {@code wikitext} (WikiText-2 raw, validation split), {@code bos} ({@code schnell18/branch-of-science}, train
 * split), {@code c4} ({@code allenai/c4}, {@code en/c4-validation.00000-of-00008.json.gz}) from the Hugging Face hub
 * cache; else a local data file ({@link TextRecords}: parquet, JSON lines, CSV or text lines), a local data set
 * folder (its train split, {@link DataFiles}), or any other dataset id in the hub cache (its train split).
 */
public final class CalibrationData {
    /** The names the original knows. */
    public static final List<String> KNOWN = List.of("pileval", "wikitext", "bos", "c4");
    private static final String DEFAULT_SPLIT = "train";

    private CalibrationData() {}

    /**
     * A calibration set found: its name and the files whose {@code text} records, concatenated in this order, form
     * it.
     */
    public record Source(String name, List<Path> files) {
        public Source {
            files = List.copyOf(files);
            if (files.isEmpty()) {
                throw new IllegalArgumentException(name + ": a calibration source needs at least one file");
            }
        }

        /** The records ({@code text} values) of all files, in file order. */
        public List<String> records() {
            if (files.size() == 1) {
                return TextRecords.read(files.getFirst());
            }
            List<String> records = new ArrayList<>();
            files.forEach(f -> records.addAll(TextRecords.read(f)));
            return records;
        }
    }

    /** The records of the calibration set {@code name}, from the hub cache of the environment. */
    public static List<String> records(String name) {
        return locate(name, HubCache.cacheDir()).records();
    }

    /** Where the calibration set {@code name} is; a one-line {@link UserException} that says where it looked. */
    public static Source locate(String name, Path hubCache) {
        if (name.isBlank()) {
            throw new UserException("the calibration data set name is empty");
        }
        Optional<HubDataset> known = known(name);
        if (known.isPresent()) {
            HubDataset set = known.get();
            return new Source(name, set.find(hubCache).orElseThrow(() -> new UserException(name + ": not found: "
                    + "looked for " + set.lookedFor(hubCache) + "; download it first, e.g. with huggingface-cli "
                    + "download --repo-type dataset " + set.ids().getFirst())));
        }
        Optional<Path> local = localPath(name);
        if (local.filter(Files::isRegularFile).isPresent()) {
            Path file = local.get();
            if (TextRecords.Format.of(file).isEmpty()) {
                throw new UserException(name + ": not a data file (" + TextRecords.SUPPORTED + ")");
            }
            return new Source(name, List.of(file));
        }
        if (local.filter(Files::isDirectory).isPresent()) {
            List<Path> files = DataFiles.ofSplit(local.get(), DEFAULT_SPLIT);
            if (files.isEmpty()) {
                throw new UserException(name + ": the folder has no data files of split " + DEFAULT_SPLIT);
            }
            return new Source(name, files);
        }
        HubDataset other = HubDataset.split(name, DEFAULT_SPLIT);
        if (name.matches("[\\w.-]+(/[\\w.-]+)?") && !name.startsWith(".")) {
            Optional<List<Path>> files = other.find(hubCache);
            if (files.isPresent()) {
                return new Source(name, files.get());
            }
        }
        throw new UserException(name + ": unknown calibration data set: not one of " + String.join(", ", KNOWN)
                + ", no such file or folder, and not found as " + other.lookedFor(hubCache));
    }

    /**
     * The documents of the GPTQ/AWQ calibration stream: the first {@link GptqCalibration#DOCUMENTS} of C4's
     * {@link GptqCalibration#C4_TRAIN_FILE} in the hub cache.
     */
    public static List<String> gptqDocuments(Path hubCache) {
        HubDataset shard = new HubDataset(List.of("allenai/c4"), "train", List.of(GptqCalibration.C4_TRAIN_FILE));
        Path file = shard.find(hubCache).map(List::getFirst).orElseThrow(() -> new UserException("C4 training shard "
                + "not found: looked for " + shard.lookedFor(hubCache) + "; download it first, e.g. with "
                + "huggingface-cli download --repo-type dataset allenai/c4 --include "
                + GptqCalibration.C4_TRAIN_FILE));
        return TextRecords.jsonLines(file, GptqCalibration.DOCUMENTS);
    }

    /** The hub-cache location of one of the {@link #KNOWN} names. */
    static Optional<HubDataset> known(String name) {
        return Optional.ofNullable(switch (name) {
            case "pileval" -> new HubDataset(List.of("mit-han-lab/pile-val-backup"), "validation",
                    List.of("val.jsonl.zst"));
            case "wikitext" -> HubDataset.wikitext2Raw("validation");
            case "bos" -> HubDataset.split("schnell18/branch-of-science", DEFAULT_SPLIT);
            case "c4" -> HubDataset.c4Validation();
            default -> null;
        });
    }

    private static Optional<Path> localPath(String name) {
        try {
            return Optional.of(Path.of(name));
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }
}
