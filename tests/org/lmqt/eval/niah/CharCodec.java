package org.lmqt.eval.niah;

/** One token per character (id = code point + 10), id 1 a BOS added by plain encodings; for tests without DJL. */
final class CharCodec implements TokenCodec {
    static final long BOS = 1;

    @Override
    public long[] encode(String text, boolean specials) {
        int[] cps = text.codePoints().toArray();
        int off = specials ? 1 : 0;
        long[] ids = new long[cps.length + off];
        if (specials) {
            ids[0] = BOS;
        }
        for (int i = 0; i < cps.length; i++) {
            ids[i + off] = cps[i] + 10L;
        }
        return ids;
    }

    @Override
    public String decode(long[] ids) {
        StringBuilder sb = new StringBuilder();
        for (long id : ids) {
            if (id >= 10) {
                sb.appendCodePoint((int) (id - 10));
            }
        }
        return sb.toString();
    }
}
