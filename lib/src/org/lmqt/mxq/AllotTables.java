package org.lmqt.mxq;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.lmqt.metadata.MetadataKind;
import org.lmqt.quant.QuantConfig;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Tables of allocations in the original's schemas: {@code quant-cfg-allot} (§5.8) and the objectives (§5.12). */
public final class AllotTables {

    /** Row order of the original's allocation files within a layer (the Llama patch's module order). */
    static final List<String> MODULE_ORDER = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");

    private AllotTables() {}

    /** Model short id from a table or file name: {@code fnorm-Llama-2-7b-hf.csv} gives {@code Llama-2-7b-hf}. */
    public static String modelName(String tableName) {
        return org.lmqt.metadata.MethodFnorm.shortId(tableName);
    }

    /**
     * {@code model,module,layer,memmb,param_cnt,bit_budget,b1,g1,b2,g2,params_quant_tot,params_all_tot}, budgets
     * stacked, rows per layer in the original's module order; {@code params_all_tot} empty when {@code paramsAllTot}
     * is null.
     */
    public static Table allocation(String model, List<Allocation> allocations, Long paramsAllTot) {
        StringColumn models = StringColumn.create("model");
        StringColumn modules = StringColumn.create("module");
        IntColumn layers = IntColumn.create("layer");
        DoubleColumn memmb = DoubleColumn.create("memmb");
        LongColumn paramCnt = LongColumn.create("param_cnt");
        DoubleColumn bitBudget = DoubleColumn.create("bit_budget");
        IntColumn b1 = IntColumn.create("b1");
        IntColumn g1 = IntColumn.create("g1");
        IntColumn b2 = IntColumn.create("b2");
        IntColumn g2 = IntColumn.create("g2");
        LongColumn quantTot = LongColumn.create("params_quant_tot");
        LongColumn allTot = LongColumn.create("params_all_tot");
        for (Allocation a : allocations) {
            FnormTable t = a.problem().table();
            for (int i : rowOrder(t)) {
                Matrix m = t.matrices().get(i);
                QuantConfig c = a.config(i);
                models.append(model);
                modules.append(m.module());
                layers.append(m.layer());
                memmb.append(c.memoryMiB(m.params()));
                paramCnt.append(m.params());
                bitBudget.append(a.problem().budget());
                b1.append(c.bits());
                g1.append(c.group());
                b2.append(c.metaBits());
                g2.append(c.metaGroup());
                quantTot.append(t.totalParams());
                if (paramsAllTot == null) {
                    allTot.appendMissing();
                } else {
                    allTot.append(paramsAllTot);
                }
            }
        }
        return Table.create("quant-cfg-allot-" + model, models, modules, layers, memmb, paramCnt, bitBudget, b1, g1,
                b2, g2, quantTot, allTot);
    }

    /** {@code model,bpp,fnorm} of {@code mxq-objectives.csv} plus {@code memmb,budget_mb,solve_seconds,optimal}. */
    public static Table objectives(String model, List<Allocation> allocations) {
        StringColumn models = StringColumn.create("model");
        DoubleColumn bpp = DoubleColumn.create("bpp");
        DoubleColumn objective = DoubleColumn.create("fnorm");
        DoubleColumn memmb = DoubleColumn.create("memmb");
        DoubleColumn budgetMb = DoubleColumn.create("budget_mb");
        DoubleColumn seconds = DoubleColumn.create("solve_seconds");
        BooleanColumn optimal = BooleanColumn.create("optimal");
        for (Allocation a : allocations) {
            models.append(model);
            bpp.append(a.problem().budget());
            objective.append(a.objective());
            memmb.append(a.memoryMiB());
            budgetMb.append(a.problem().budgetMiB());
            seconds.append(a.solveSeconds());
            optimal.append(a.optimal());
        }
        return Table.create("mxq-objectives-" + model, models, bpp, objective, memmb, budgetMb, seconds, optimal);
    }

    /** Matrix indices ordered by layer, then the original's module order (other modules after, by name). */
    static List<Integer> rowOrder(FnormTable t) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            idx.add(i);
        }
        Comparator<Integer> byLayer = Comparator.comparingInt(i -> t.matrices().get(i).layer());
        idx.sort(byLayer.thenComparingInt((Integer i) -> {
            int r = MODULE_ORDER.indexOf(t.matrices().get(i).module());
            return r < 0 ? MODULE_ORDER.size() : r;
        }).thenComparing(i -> t.matrices().get(i).module()));
        return idx;
    }
}
