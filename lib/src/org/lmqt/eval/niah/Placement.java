package org.lmqt.eval.niah;

/**
 * A context of the needle test: haystack tokens with the needle's tokens spliced in.
 *
 * @param ids          the context, exactly the requested length // [length]
 * @param needleStart  index of the needle's first token in {@code ids}
 * @param needleLength number of needle tokens
 */
public record Placement(long[] ids, int needleStart, int needleLength) {
    public Placement {
        if (needleStart < 0 || needleLength < 1 || needleStart + needleLength > ids.length) {
            throw new IllegalArgumentException("needle at " + needleStart + " (+" + needleLength + ") outside a context of "
                    + ids.length + " tokens");
        }
    }

    /** Context length in tokens. */
    public int length() {
        return ids.length;
    }
}
