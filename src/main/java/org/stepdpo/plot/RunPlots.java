package org.stepdpo.plot;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jfree.chart.JFreeChart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The figures the jobs write next to their JSON outputs: EvalJob's {@code summary.png}, BuildPairsJob's
 * {@code stats.png}, the training jobs' {@code metrics.png} and the quick start's {@code report.png}.
 * Each reads the same JSON a user would, so a figure never shows what the files do not say.
 */
public final class RunPlots {
    private RunPlots() {}

    private static final Logger LOG = LoggerFactory.getLogger(RunPlots.class);

    /** File names, next to the JSON they draw. */
    public static final String EVAL = "summary.png";
    public static final String PAIRS = "stats.png";
    public static final String TRAIN = "metrics.png";
    public static final String QUICKSTART = "report.png";

    /**
     * Renders {@code figure} to PNG and hands the bytes to {@code sink}; a failure (no fonts, no AWT in
     * a trimmed JVM, a write refused) is logged and goes no further, because a missing plot must never
     * cost a finished job its results.
     *
     * @return whether the plot was written
     */
    public static boolean drawQuietly(String what, Supplier<Figure> figure, Consumer<byte[]> sink) {
        try {
            sink.accept(figure.get().png());
            return true;
        } catch (RuntimeException | LinkageError | InternalError e) {
            LOG.warn("could not draw {}: {} (the job's other outputs are complete)", what, e.toString());
            return false;
        }
    }

    /** EvalJob: accuracy by type (subject or family) and by level, with each bucket's size. */
    public static Figure eval(JsonNode summary, String run) {
        List<JFreeChart> panels = new ArrayList<>();
        JsonNode byType = summary.path("by_type");
        if (byType.size() > 0) {
            panels.add(accuracyBars("Accuracy by type", "type (n problems)", byType, false));
        }
        JsonNode byLevel = summary.path("by_level");
        if (byLevel.size() > 0) {
            panels.add(accuracyBars("Accuracy by level", "level (n problems)", byLevel, true));
        }
        if (panels.isEmpty() || summary.path("by_dataset").size() > 1) {
            panels.add(accuracyBars("Accuracy by dataset", "dataset (n problems)", summary.path("by_dataset"), false));
        }
        String title = String.format("EvalJob · %s · %d problems · accuracy %.1f%%", run,
                summary.path("n").asLong(), 100 * summary.path("accuracy").asDouble());
        return new Figure(title, 2, panels);
    }

    /**
     * BuildPairsJob: where the first wrong step falls and where pairs were made, and how many samples
     * survive each phase.
     */
    public static Figure pairs(JsonNode stats, String run) {
        Map<String, Map<String, Double>> byStep = new LinkedHashMap<>();
        byStep.put("first wrong step of located errors", counts(stats.path("first_error_histogram")));
        byStep.put("step of the pairs made", counts(stats.path("pair_step_histogram")));
        TreeMap<Integer, String> steps = new TreeMap<>();
        byStep.values().forEach(m -> m.keySet().forEach(k -> steps.put(Integer.parseInt(k), k)));
        Map<String, Map<String, Double>> aligned = new LinkedHashMap<>();
        byStep.forEach((series, m) -> {
            Map<String, Double> row = new LinkedHashMap<>();
            steps.values().forEach(k -> row.put(k, m.getOrDefault(k, 0.0)));
            aligned.put(series, row);
        });
        JFreeChart histogram = Charts.bars("First wrong step", "step index (1 = first step)", "count", aligned, "0");

        Map<String, Double> funnel = new LinkedHashMap<>();
        funnel.put("samples", stats.path("samples").asDouble());
        funnel.put("wrong", stats.path("wrong_samples").asDouble());
        funnel.put("located", stats.path("located").asDouble());
        funnel.put("pairs", stats.path("pairs").asDouble());
        JFreeChart counts = Charts.bars("From samples to pairs", "phase", "count", "count", funnel, "0");

        String title = String.format("BuildPairsJob · %s · %d problems · %d pairs (yield %.2f per problem) · "
                        + "%.1f rollouts per located error", run, stats.path("problems").asLong(),
                stats.path("pairs").asLong(), stats.path("yield").asDouble(),
                stats.path("rollouts_per_located_error").asDouble());
        return new Figure(title, 2, List.of(histogram, counts));
    }

    /**
     * TrainStepDpoJob and SftJob ({@code job}): one panel per metric that {@code metrics.jsonl} carries, against the
     * optimizer step.
     */
    public static Figure train(List<JsonNode> metrics, String job, String run) {
        if (metrics.isEmpty()) {
            throw new IllegalArgumentException("metrics.jsonl has no steps to draw");
        }
        List<JFreeChart> panels = new ArrayList<>();
        addPanel(panels, metrics, "Loss", "loss", Map.of("loss", "loss"));
        addPanel(panels, metrics, "Reward margin (chosen − rejected)", "β · log-ratio margin",
                Map.of("margin", "rewards_margin"));
        JFreeChart accuracy = panel(metrics, "Reward accuracy (chosen above rejected)", "fraction of pairs",
                Map.of("accuracy", "rewards_accuracy"));
        if (accuracy != null) {
            panels.add(Charts.yRange(accuracy, -0.02, 1.02));
        }
        Map<String, String> logps = new LinkedHashMap<>();
        logps.put("chosen", "logps_chosen");
        logps.put("rejected", "logps_rejected");
        addPanel(panels, metrics, "Policy log-prob per response token", "nats per token", logps);
        addPanel(panels, metrics, "Learning rate", "lr", Map.of("lr", "lr"));
        addPanel(panels, metrics, "Gradient norm (before clipping)", "L2 norm", Map.of("grad_norm", "grad_norm"));
        JsonNode last = metrics.get(metrics.size() - 1);
        String title = String.format("%s · %s · %d steps · %.2f epochs · last loss %.4f", job, run,
                last.path("step").asLong(), last.path("epoch").asDouble(), last.path("loss").asDouble());
        return new Figure(title, 2, panels);
    }

    /** The quick start: accuracy before and after training, overall and by level. */
    public static Figure quickstart(JsonNode report, String run) {
        Map<String, Map<String, Double>> values = new LinkedHashMap<>();
        for (String phase : List.of("before", "after")) {
            JsonNode s = report.path(phase);
            Map<String, Double> row = new LinkedHashMap<>();
            row.put("all (" + s.path("n").asLong() + ")", 100 * s.path("accuracy").asDouble());
            sortedKeys(s.path("by_level"), true).forEach(level ->
                    row.put(level + " steps", 100 * s.path("by_level").path(level).asDouble()));
            values.put(phase + " Step-DPO", row);
        }
        JFreeChart chart = Charts.valueRange(Charts.bars("Accuracy before and after training",
                "problems (all, then by number of solution steps)", "accuracy (%)", values, "0.0"), 0, 109);
        String title = String.format("Quick start · %s · %+.2f points · %d pairs · %d training steps · %.0f s",
                run, report.path("gain_points").asDouble(), report.path("pairs").asLong(),
                report.path("train_steps").asLong(), report.path("seconds").asDouble());
        return new Figure(title, 1, List.of(chart));
    }

    private static JFreeChart accuracyBars(String name, String axis, JsonNode buckets, boolean numericKeys) {
        Map<String, Double> values = new LinkedHashMap<>();
        for (String key : sortedKeys(buckets, numericKeys)) {
            JsonNode b = buckets.get(key);
            values.put(key + " (" + b.path("n").asLong() + ")", 100 * b.path("accuracy").asDouble());
        }
        // 0 to 100, with room above a full bar for its label
        JFreeChart chart = Charts.valueRange(Charts.bars(name, axis, "accuracy (%)", "accuracy", values, "0.0"), 0, 109);
        boolean crowded = values.size() > 6 || values.keySet().stream().anyMatch(k -> k.length() > 14);
        return crowded ? Charts.horizontal(chart) : chart;
    }

    private static List<String> sortedKeys(JsonNode object, boolean numeric) {
        List<String> keys = new ArrayList<>();
        object.fieldNames().forEachRemaining(keys::add);
        keys.sort(numeric ? Comparator.comparingDouble(RunPlots::numberOrMax).thenComparing(k -> k)
                : Comparator.naturalOrder());
        return keys;
    }

    private static double numberOrMax(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.MAX_VALUE;
        }
    }

    private static Map<String, Double> counts(JsonNode histogram) {
        Map<String, Double> m = new LinkedHashMap<>();
        histogram.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asDouble()));
        return m;
    }

    private static void addPanel(List<JFreeChart> panels, List<JsonNode> metrics, String name, String axis,
                                 Map<String, String> series) {
        JFreeChart chart = panel(metrics, name, axis, series);
        if (chart != null) {
            panels.add(chart);
        }
    }

    /** A line panel of the metric keys in {@code series} (label → key), or null when no line carries them. */
    private static JFreeChart panel(List<JsonNode> metrics, String name, String axis, Map<String, String> series) {
        Map<String, List<double[]>> lines = new LinkedHashMap<>();
        series.forEach((label, key) -> {
            List<double[]> points = new ArrayList<>();
            for (JsonNode m : metrics) {
                JsonNode v = m.get(key);
                if (v != null && v.isNumber() && Double.isFinite(v.asDouble())) {
                    points.add(new double[] {m.path("step").asDouble(), v.asDouble()});
                }
            }
            if (!points.isEmpty()) {
                lines.put(label, points);
            }
        });
        return lines.isEmpty() ? null : Charts.lines(name, "optimizer step", axis, lines);
    }
}
