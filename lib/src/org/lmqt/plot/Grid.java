package org.lmqt.plot;

/**
 * A rows x columns layout of cartesian panels: domains of each panel's axes and their Plotly ids. Panel 0 is the
 * top-left one; panels are numbered row by row. Plotly calls the first axes {@code x}/{@code y} (layout keys
 * {@code xaxis}/{@code yaxis}) and the n-th ones {@code xn}/{@code yn}.
 */
public record Grid(int rows, int columns, double horizontalGap, double verticalGap) {

    public Grid {
        if (rows < 1 || columns < 1) {
            throw new IllegalArgumentException("a grid needs at least one row and column: " + rows + "x" + columns);
        }
        if (horizontalGap < 0 || horizontalGap >= 1 || verticalGap < 0 || verticalGap >= 1) {
            throw new IllegalArgumentException("grid gaps must be fractions in [0, 1)");
        }
    }

    /** Number of panels. */
    public int size() {
        return rows * columns;
    }

    /** The x axis id of panel {@code i} ({@code x}, {@code x2}, ...). */
    public static String xId(int axisIndex) {
        return axisIndex == 0 ? "x" : "x" + (axisIndex + 1);
    }

    /** The y axis id of axis number {@code i} ({@code y}, {@code y2}, ...). */
    public static String yId(int axisIndex) {
        return axisIndex == 0 ? "y" : "y" + (axisIndex + 1);
    }

    /** The layout key of an axis id: {@code x2} becomes {@code xaxis2}. */
    public static String layoutKey(String axisId) {
        return axisId.charAt(0) + "axis" + axisId.substring(1);
    }

    /** Horizontal domain {@code [from, to]} of column {@code col}. */
    public double[] xDomain(int col) {
        return span(col, columns, horizontalGap);
    }

    /** Vertical domain of row {@code row} (row 0 at the top). */
    public double[] yDomain(int row) {
        return span(rows - 1 - row, rows, verticalGap);
    }

    private static double[] span(int index, int count, double gap) {
        double width = (1 - gap * (count - 1)) / count;
        double from = index * (width + gap);
        return new double[] {from, Math.min(1, from + width)};
    }

    /**
     * Places panel {@code panel}'s axes: x at the panel's column, anchored to its y axis and vice versa, on top of
     * whatever else the given axis builders say.
     */
    public void place(PlotlyFigure.Builder figure, int panel, Axis.Builder x, Axis.Builder y) {
        if (panel < 0 || panel >= size()) {
            throw new IllegalArgumentException("panel " + panel + " outside a " + rows + "x" + columns + " grid");
        }
        double[] xd = xDomain(panel % columns);
        double[] yd = yDomain(panel / columns);
        figure.axis(xId(panel), x.domain(xd[0], xd[1]).anchor(yId(panel)).build());
        figure.axis(yId(panel), y.domain(yd[0], yd[1]).anchor(xId(panel)).build());
    }
}
