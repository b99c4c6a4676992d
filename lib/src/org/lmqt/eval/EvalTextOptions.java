package org.lmqt.eval;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.lmqt.cli.UserException;
import org.lmqt.model.TextTokenizer;
import picocli.CommandLine.Option;

/**
 * The perplexity text and protocol options scripts share (a picocli mixin): WikiText-2 or C4 as {@link EvalText}
 * reads them (from the hub cache or a given file), or a plain-text file; the window length and stride of the
 * original's protocol; an optional token limit for quick runs.
 */
public final class EvalTextOptions {
    @Option(names = "--dataset", defaultValue = "wikitext2", paramLabel = "wikitext2|c4",
            description = "Evaluation set (default: ${DEFAULT-VALUE}); ignored with --text.")
    public EvalText.Dataset dataset;

    @Option(names = "--data", paramLabel = "FILE", description = "The dataset's file (wiki.test.raw, the HF .parquet, "
            + "a JSON-lines export, or " + EvalText.C4_FILE + "); default: the Hugging Face hub cache.")
    public Path data;

    @Option(names = "--text", paramLabel = "FILE", description = "Evaluate on this plain-text file instead.")
    public Path text;

    @Option(names = "--max-length", defaultValue = "1024", description = "Window length (default: ${DEFAULT-VALUE}).")
    public int maxLength;

    @Option(names = "--stride", defaultValue = "512", description = "Window stride (default: ${DEFAULT-VALUE}).")
    public int stride;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Evaluate only the first N tokens (quick runs).")
    public Integer maxTokens;

    /** The protocol; a one-line error for a token limit below 2. */
    public Perplexity protocol() {
        if (maxTokens != null && maxTokens < 2) {
            throw new UserException("--max-tokens must be at least 2");
        }
        return new Perplexity(maxLength, stride);
    }

    /** The evaluation text. */
    public String body() {
        return text != null ? EvalText.plain(text) : EvalText.load(dataset, Optional.ofNullable(data));
    }

    /** The text's name in outputs: the file name, or {@code wikitext2} / {@code c4}. */
    public String name() {
        return text != null ? text.getFileName().toString() : dataset.name().toLowerCase(Locale.ROOT);
    }

    /** {@code body}'s token ids, the first {@code --max-tokens} of them when that is given. */
    public long[] tokens(TextTokenizer tokenizer, String body) {
        return maxTokens == null ? tokenizer.encode(body) : tokenizer.encodePrefix(body, maxTokens);
    }
}
