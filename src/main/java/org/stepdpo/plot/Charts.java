package org.stepdpo.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.text.DecimalFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.ItemLabelAnchor;
import org.jfree.chart.labels.ItemLabelPosition;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Bar and line charts in one plain style: white background, grey grid, labelled axes. */
public final class Charts {
    private Charts() {}

    private static final Paint[] SERIES = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd)};
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 15);

    /**
     * Bars: one group per category, one bar per series in each group.
     *
     * @param values       series name → (category → value), in display order
     * @param labelFormat  format of the value printed on each bar, e.g. {@code "0.0"}; null for none
     */
    public static JFreeChart bars(String title, String categoryAxis, String valueAxis,
                                  Map<String, Map<String, Double>> values, String labelFormat) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        values.forEach((series, byCategory) -> byCategory.forEach((category, v) -> data.addValue(v, series, category)));
        JFreeChart chart = ChartFactory.createBarChart(title, categoryAxis, valueAxis, data,
                PlotOrientation.VERTICAL, values.size() > 1, false, false);
        style(chart);
        CategoryPlot plot = chart.getCategoryPlot();
        BarRenderer renderer = (BarRenderer) plot.getRenderer();
        renderer.setBarPainter(new StandardBarPainter());
        renderer.setShadowVisible(false);
        renderer.setItemMargin(0.05);
        for (int i = 0; i < values.size(); i++) {
            renderer.setSeriesPaint(i, SERIES[i % SERIES.length]);
        }
        if (labelFormat != null) {
            renderer.setDefaultItemLabelGenerator(
                    new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat(labelFormat)));
            renderer.setDefaultItemLabelsVisible(true);
            renderer.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        }
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.getDomainAxis().setMaximumCategoryLabelLines(2);
        ((NumberAxis) plot.getRangeAxis()).setUpperMargin(0.15); // room for the labels above the bars
        return chart;
    }

    /** Bars with one series. */
    public static JFreeChart bars(String title, String categoryAxis, String valueAxis, String series,
                                  Map<String, Double> values, String labelFormat) {
        Map<String, Map<String, Double>> one = new LinkedHashMap<>();
        one.put(series, values);
        return bars(title, categoryAxis, valueAxis, one, labelFormat);
    }

    /**
     * Lines against a numeric x axis.
     *
     * @param series name → points {@code [x, y]}, in x order
     */
    public static JFreeChart lines(String title, String xAxis, String yAxis, Map<String, List<double[]>> series) {
        XYSeriesCollection data = new XYSeriesCollection();
        series.forEach((name, points) -> {
            XYSeries s = new XYSeries(name, false, true);
            for (double[] p : points) {
                s.add(p[0], p[1]);
            }
            data.addSeries(s);
        });
        JFreeChart chart = ChartFactory.createXYLineChart(title, xAxis, yAxis, data, PlotOrientation.VERTICAL,
                series.size() > 1, false, false);
        style(chart);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, maxPoints(series) <= 40);
        for (int i = 0; i < series.size(); i++) {
            renderer.setSeriesPaint(i, SERIES[i % SERIES.length]);
            renderer.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        NumberAxis x = (NumberAxis) plot.getDomainAxis();
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        return chart;
    }

    /** A line chart's y axis fixed to {@code [low, high]}. */
    public static JFreeChart yRange(JFreeChart chart, double low, double high) {
        chart.getXYPlot().getRangeAxis().setRange(low, high);
        return chart;
    }

    /** A bar chart turned on its side: categories down the left, for many or long category names. */
    public static JFreeChart horizontal(JFreeChart chart) {
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        plot.setRangeAxisLocation(AxisLocation.BOTTOM_OR_LEFT);
        plot.getDomainAxis().setMaximumCategoryLabelWidthRatio(0.4f);
        plot.getRenderer().setDefaultPositiveItemLabelPosition(
                new ItemLabelPosition(ItemLabelAnchor.OUTSIDE3, TextAnchor.CENTER_LEFT));
        return chart;
    }

    /** A bar chart's value axis fixed to {@code [low, high]}. */
    public static JFreeChart valueRange(JFreeChart chart, double low, double high) {
        chart.getCategoryPlot().getRangeAxis().setRange(low, high);
        return chart;
    }

    private static int maxPoints(Map<String, List<double[]>> series) {
        return series.values().stream().mapToInt(List::size).max().orElse(0);
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getPlot().setBackgroundPaint(Color.WHITE);
        chart.getPlot().setOutlinePaint(Color.GRAY);
        TextTitle title = chart.getTitle();
        if (title != null) {
            title.setFont(TITLE);
        }
    }
}
