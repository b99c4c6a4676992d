package org.lmqt.eval.tasks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.lmqt.checkpoint.HubDataset;
import org.lmqt.cli.UserException;

/**
 * Where lm-eval's {@code datasets.load_dataset(dataset_path, dataset_name)} finds a task's documents (spec §4): the
 * HF dataset id, its config, the eval split and the split the few-shot examples come from.
 *
 * <p>In the hub cache ({@code datasets--org--name/snapshots/<sha>/}) a split's parquet files lie either as the
 * dataset's main branch holds them ({@code <config>/<split>-00000-of-00001.parquet}, or
 * {@code data/<split>-*.parquet} for a dataset without configs) or as the hub's parquet conversion
 * ({@code refs/convert/parquet}) does ({@code <config>/<split>/0000.parquet}, config {@code default} for a dataset
 * without configs). Split names are matched exactly (MMLU's {@code dev} is not its {@code validation}).
 *
 * @param datasetId    {@code allenai/ai2_arc}
 * @param config       {@code ARC-Easy}; empty when the dataset has none (lm-eval's {@code dataset_name: null})
 * @param evalSplit    the split the task evaluates
 * @param fewshotSplit the split its few-shot examples are drawn from
 */
public record TaskSource(String datasetId, Optional<String> config, String evalSplit, String fewshotSplit) {
    public TaskSource {
        Objects.requireNonNull(datasetId, "datasetId");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(evalSplit, "evalSplit");
        Objects.requireNonNull(fewshotSplit, "fewshotSplit");
        if (!datasetId.matches("[\\w.-]+/[\\w.-]+")) {
            throw new IllegalArgumentException("not a dataset id: " + datasetId);
        }
    }

    /** A source with a config. */
    public static TaskSource of(String datasetId, String config, String evalSplit, String fewshotSplit) {
        return new TaskSource(datasetId, Optional.of(config), evalSplit, fewshotSplit);
    }

    /** A source of a dataset without configs. */
    public static TaskSource noConfig(String datasetId, String evalSplit, String fewshotSplit) {
        return new TaskSource(datasetId, Optional.empty(), evalSplit, fewshotSplit);
    }

    /** The file globs of {@code split}, relative to a snapshot, in the order they are tried. */
    public List<String> globs(String split) {
        String folder = config.orElse("default");
        List<String> globs = new ArrayList<>(List.of(folder + "/" + split + "-*.parquet",
                folder + "/" + split + "/*.parquet"));
        if (config.isEmpty() || config.get().equals("default")) {
            globs.add("data/" + split + "-*.parquet");
        }
        return globs;
    }

    /** The parquet files of {@code split} in the hub cache {@code cache}, sorted; a one-line error when absent. */
    public List<Path> find(String split, Path cache) {
        HubDataset dataset = new HubDataset(List.of(datasetId), split, globs(split));
        return dataset.find(cache).orElseThrow(() -> new UserException(describe(split)
                + " is not in the Hugging Face hub cache: looked for " + dataset.lookedFor(cache)
                + "; download it there (e.g. huggingface-cli download --repo-type dataset " + datasetId
                + "), or give the documents with --data"));
    }

    /** Whether {@code split}'s files are in {@code cache}. */
    public boolean isCached(String split, Path cache) {
        return new HubDataset(List.of(datasetId), split, globs(split)).find(cache).isPresent();
    }

    /** {@code allenai/ai2_arc (config ARC-Easy) split test}. */
    public String describe(String split) {
        return datasetId + config.map(c -> " (config " + c + ")").orElse("") + " split " + split;
    }
}
