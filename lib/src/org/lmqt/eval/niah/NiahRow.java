package org.lmqt.eval.niah;

/**
 * One cell of the needle test: a model and quantization, a context length and a depth, and how it answered.
 *
 * @param model        the model's short id
 * @param quantization how it was quantized ({@code none}, {@code hqq b4g64}, ...)
 * @param length       context tokens (haystack and needle)
 * @param depth        needle depth in percent of the context
 * @param promptTokens tokens of the whole prompt (template and question included)
 * @param score        1 when the expected answer occurs in the answer, else 0 ({@link NiahScore#substring})
 * @param exactMatch   1 when the answer is the expected answer or the needle sentence, else 0
 * @param answer       the generated answer
 */
public record NiahRow(String model, String quantization, int length, double depth, int promptTokens, int score,
                      int exactMatch, String answer) {
    public NiahRow {
        if (model == null || model.isBlank() || quantization == null || quantization.isBlank()) {
            throw new IllegalArgumentException("a row needs a model and a quantization");
        }
        if (length < 1 || promptTokens < length || !(depth >= 0 && depth <= 100)) {
            throw new IllegalArgumentException("bad cell: length " + length + ", depth " + depth + ", prompt "
                    + promptTokens);
        }
        if ((score != 0 && score != 1) || (exactMatch != 0 && exactMatch != 1) || exactMatch > score) {
            throw new IllegalArgumentException("scores must be 0 or 1 (an exact match is also a match)");
        }
        answer = answer == null ? "" : answer;
    }

    /** True when this row is the cell ({@code model}, {@code quantization}, {@code length}, {@code depth}). */
    public boolean isCell(String model, String quantization, int length, double depth) {
        return this.model.equals(model) && this.quantization.equals(quantization) && this.length == length
                && Double.compare(this.depth, depth) == 0;
    }
}
