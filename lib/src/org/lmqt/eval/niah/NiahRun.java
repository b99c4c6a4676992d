package org.lmqt.eval.niah;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.lmqt.cli.UserException;

/**
 * Runs the needle test's grid (every context length x every depth) for one model and quantization, appending a row
 * per cell to the result file (rewritten atomically after each), skipping cells the file already holds.
 *
 * @param lengths      context lengths in tokens, each larger than the needle
 * @param depths       needle depths in percent (0 to 100)
 * @param maxNewTokens the answer's token limit
 */
public record NiahRun(List<Integer> lengths, List<Double> depths, int maxNewTokens) {
    public NiahRun {
        lengths = List.copyOf(new TreeSet<>(lengths));
        depths = List.copyOf(new TreeSet<>(depths));
        if (lengths.isEmpty() || depths.isEmpty()) {
            throw new IllegalArgumentException("the grid needs at least one length and one depth");
        }
        if (lengths.get(0) < 2) {
            throw new IllegalArgumentException("context lengths must be at least 2 tokens, got " + lengths.get(0));
        }
        for (double d : depths) {
            if (!(d >= 0 && d <= 100)) {
                throw new IllegalArgumentException("depths must be within 0..100 %, got " + d);
            }
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("the answer needs at least 1 new token");
        }
    }

    /** Cells of the grid. */
    public int cells() {
        return lengths.size() * depths.size();
    }

    /** Longest context. */
    public int maxLength() {
        return lengths.get(lengths.size() - 1);
    }

    /**
     * Runs the missing cells of ({@code model}, {@code quantization}) into {@code csv}; {@code onCell} is told of
     * every cell, run or skipped. Returns every row of the file afterwards. A grid the responder's positions cannot
     * hold is a one-line error before anything runs.
     */
    public List<NiahRow> run(Haystack haystack, NiahPrompt prompt, NeedleSpec spec, Responder responder, String model,
                             String quantization, Path csv, Runnable onCell) {
        int needed = maxLength() + prompt.overhead() + maxNewTokens - 1;
        if (needed > responder.maxPositions()) {
            throw new UserException("the longest context (" + maxLength() + " tokens) with the prompt's "
                    + prompt.overhead() + " and " + maxNewTokens + " new tokens needs " + needed
                    + " positions; the model has " + responder.maxPositions() + " (pass shorter --lengths)");
        }
        List<NiahRow> rows = new ArrayList<>(NiahCsv.read(csv));
        for (int length : lengths) {
            for (double depth : depths) {
                if (rows.stream().noneMatch(r -> r.isCell(model, quantization, length, depth))) {
                    // one cell: place the needle, ask, score, keep the row
                    long[] ids = prompt.ids(haystack.place(length, depth)); // [prompt tokens]
                    String answer = responder.answer(ids, maxNewTokens);
                    NiahScore s = NiahScore.of(answer, spec);
                    rows.add(new NiahRow(model, quantization, length, depth, ids.length, s.substring() ? 1 : 0,
                            s.exact() ? 1 : 0, answer));
                    NiahCsv.write(csv, rows);
                }
                onCell.run();
            }
        }
        return List.copyOf(rows);
    }
}
