package org.lmqt.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.lmqt.eval.EvalText;

/**
 * One perplexity set of {@code eval_ppl} and the result columns it fills: {@code wikitext2} / {@code c4} (from the
 * hub cache, or {@code wikitext2=FILE} / {@code c4=FILE} from local files, as {@code eval-ppl} reads them) fill
 * {@code ppl_wikitext} / {@code ppl_c4}; any other text file ({@code FILE} or {@code text=FILE}) fills the
 * {@code ppl_wikitext} columns, since the result schema has no column of its own for it.
 *
 * @param column  {@code wikitext} or {@code c4}: the suffix of the {@code ppl_*} and {@code duration_*} columns
 * @param dataset the standard set, or empty for a plain text file
 * @param file    the local file, or empty for the hub cache
 */
public record PplDataset(String column, Optional<EvalText.Dataset> dataset, Optional<Path> file) {

    public PplDataset {
        if (!column.equals("wikitext") && !column.equals("c4")) {
            throw new IllegalArgumentException("column must be wikitext or c4: " + column);
        }
        if (dataset.isEmpty() && file.isEmpty()) {
            throw new IllegalArgumentException("a plain-text data set needs a file");
        }
    }

    /** The original's two sets from the hub cache. */
    public static final java.util.List<PplDataset> ORIGINAL = java.util.List.of(parse("wikitext2"), parse("c4"));

    /** Parses {@code wikitext2}, {@code c4}, {@code wikitext2=FILE}, {@code c4=FILE}, {@code text=FILE} or a file. */
    public static PplDataset parse(String spec) {
        String s = spec.trim();
        int eq = s.indexOf('=');
        String key = eq < 0 ? s : s.substring(0, eq);
        Optional<Path> file = eq < 0 ? Optional.empty() : Optional.of(Path.of(s.substring(eq + 1)));
        return switch (key) {
            case "wikitext2" -> new PplDataset("wikitext", Optional.of(EvalText.Dataset.WIKITEXT2), file);
            case "c4" -> new PplDataset("c4", Optional.of(EvalText.Dataset.C4), file);
            case "text" -> new PplDataset("wikitext", Optional.empty(), Optional.of(file.orElseThrow(
                    () -> new IllegalArgumentException("--dataset text needs a file: text=FILE"))));
            default -> {
                if (eq >= 0 || !Files.isRegularFile(Path.of(s))) {
                    throw new IllegalArgumentException("--dataset '" + spec + "' is neither wikitext2, c4, "
                            + "wikitext2=FILE, c4=FILE, text=FILE nor an existing file");
                }
                yield new PplDataset("wikitext", Optional.empty(), Optional.of(Path.of(s)));
            }
        };
    }

    /** The joined evaluation text. */
    public String load() {
        return dataset.isPresent() ? EvalText.load(dataset.get(), file) : EvalText.plain(file.orElseThrow());
    }
}
