package org.lmqt.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** {@link ProximalRowKernel} on the Java Vector API (loaded only when {@code jdk.incubator.vector} is present). */
final class VectorRowKernel implements ProximalRowKernel {
    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;

    @Override
    public boolean run(float[] w, int row, float[] s, float[] z, int lo, int n, float qmax, float thr,
                       float[] code, float[] dev, float[] err, float[] term) {
        boolean far = false;
        int j = 0;
        for (int bound = SP.loopBound(n); j < bound; j += SP.length()) {
            FloatVector wv = FloatVector.fromArray(SP, w, row + j);
            FloatVector sv = FloatVector.fromArray(SP, s, lo + j);
            FloatVector zv = FloatVector.fromArray(SP, z, lo + j);
            FloatVector ws = wv.mul(sv);
            FloatVector x = ws.add(zv).max(0f).min(qmax);
            FloatVector q = x.add(RINT_MAGIC).sub(RINT_MAGIC);
            FloatVector d = wv.sub(q.sub(zv).div(sv));
            FloatVector ad = d.abs();
            q.intoArray(code, j);
            d.intoArray(dev, j);
            FloatVector.fromArray(SP, err, j).add(ad).intoArray(err, j);
            q.sub(ws).intoArray(term, j);
            far |= ad.compare(VectorOperators.GE, thr).anyTrue();
        }
        return ScalarRowKernel.tail(j, w, row, s, z, lo, n, qmax, thr, code, dev, err, term) | far;
    }

    @Override
    public void addRows(float[] x, int from, int rows, int width, float[] acc, boolean absolute) {
        VectorSpecies<Float> sp = width % SP.length() == 0 ? SP : FloatVector.SPECIES_64;
        for (int l = 0; l < width; l += sp.length()) {
            FloatVector a = FloatVector.fromArray(sp, acc, l);
            for (int r = 0, base = from + l; r < rows; r++, base += width) {
                FloatVector v = FloatVector.fromArray(sp, x, base);
                a = a.add(absolute ? v.abs() : v);
            }
            a.intoArray(acc, l);
        }
    }
}
