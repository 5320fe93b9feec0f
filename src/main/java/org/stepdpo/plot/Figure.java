package org.stepdpo.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;

/**
 * A titled grid of charts rendered to one PNG: the figure's title names the run, each panel's
 * title names what it shows.
 *
 * @param title   the run, e.g. {@code "EvalJob · runs/eval-tiny · 300 problems"}
 * @param columns panels per row
 * @param panels  charts, row by row
 */
public record Figure(String title, int columns, List<JFreeChart> panels) {
    static {
        // Rendering to an image needs no display; without this a JVM with DISPLAY set would try one.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final int PANEL_WIDTH = 640;
    private static final int PANEL_HEIGHT = 400;
    private static final int TITLE_LINE = 26;
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 20);

    public Figure {
        if (panels.isEmpty()) {
            throw new IllegalArgumentException("a figure needs at least one chart");
        }
        columns = Math.max(1, Math.min(columns, panels.size()));
        panels = List.copyOf(panels);
    }

    /** The figure as PNG bytes, {@code columns x 640} pixels wide. */
    public byte[] png() {
        int rows = (panels.size() + columns - 1) / columns;
        int width = columns * PANEL_WIDTH;
        List<String> titleLines = wrap(title, measure().getFontMetrics(TITLE_FONT), width - 20);
        int titleHeight = 14 + TITLE_LINE * titleLines.size();
        BufferedImage image = new BufferedImage(width, titleHeight + rows * PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(TITLE_FONT);
            FontMetrics metrics = g.getFontMetrics();
            for (int i = 0; i < titleLines.size(); i++) {
                String line = titleLines.get(i);
                g.drawString(line, (width - metrics.stringWidth(line)) / 2, 30 + i * TITLE_LINE);
            }
            for (int i = 0; i < panels.size(); i++) {
                int x = (i % columns) * PANEL_WIDTH;
                int y = titleHeight + (i / columns) * PANEL_HEIGHT;
                panels.get(i).draw(g, new Rectangle2D.Double(x, y, PANEL_WIDTH, PANEL_HEIGHT));
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the figure '" + title + "' as PNG", e);
        }
        return bytes.toByteArray();
    }

    /** A graphics context to measure text with before the image's size is known. */
    private static Graphics2D measure() {
        return new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
    }

    /**
     * The title in lines no wider than {@code width}, broken between its {@code " · "} parts; a part
     * wider than a line on its own is cut with an ellipsis.
     */
    static List<String> wrap(String text, FontMetrics metrics, int width) {
        List<String> lines = new ArrayList<>();
        String line = null;
        for (String part : text.split(" · ")) {
            String joined = line == null ? part : line + " · " + part;
            if (line != null && metrics.stringWidth(joined) > width) {
                lines.add(fit(line, metrics, width));
                line = part;
            } else {
                line = joined;
            }
        }
        lines.add(fit(line, metrics, width));
        return lines;
    }

    /** {@code text}, cut with an ellipsis where it would be wider than {@code width} pixels. */
    private static String fit(String text, FontMetrics metrics, int width) {
        if (metrics.stringWidth(text) <= width) {
            return text;
        }
        String cut = text;
        while (cut.length() > 1 && metrics.stringWidth(cut + "…") > width) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut + "…";
    }
}
