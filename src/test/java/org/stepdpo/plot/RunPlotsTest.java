package org.stepdpo.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stepdpo.plot.PlotAssertions.assertPlot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunPlotsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void trainingPanelsAreTheMetricsTheLinesCarry() throws IOException {
        List<JsonNode> sft = new ArrayList<>();
        List<JsonNode> dpo = new ArrayList<>();
        for (int step = 1; step <= 5; step++) {
            sft.add(JSON.readTree(String.format("{\"step\":%d,\"epoch\":%.1f,\"loss\":%.3f,\"lr\":1e-5,\"grad_norm\":%.2f,"
                    + "\"examples\":8,\"response_tokens\":90}", step, step / 5.0, 2.0 / step, 1.0 + step)));
            dpo.add(JSON.readTree(String.format("{\"step\":%d,\"epoch\":1,\"loss\":0.69,\"lr\":1e-5,\"grad_norm\":1,"
                    + "\"rewards_margin\":%d,\"rewards_accuracy\":0.5,\"logps_chosen\":-1,\"logps_rejected\":\"NaN\"}",
                    step, step)));
        }
        assertEquals(3, RunPlots.train(sft, "SftJob", "runs/sft").panels().size());
        // a metric written as NaN draws nothing, the rest of its panel still shows
        assertEquals(6, RunPlots.train(dpo, "TrainStepDpoJob", "runs/dpo").panels().size());
        BufferedImage image = assertPlot(RunPlots.train(sft, "SftJob", "runs/sft").png(), 3, "sft");
        assertEquals(1280, image.getWidth());
        assertThrows(IllegalArgumentException.class, () -> RunPlots.train(List.of(), "SftJob", "runs/empty"));
    }

    @Test
    void aPlotThatCannotBeDrawnIsLoggedAndSkipped() {
        List<byte[]> written = new ArrayList<>();
        assertFalse(RunPlots.drawQuietly("broken.png", () -> {
            throw new IllegalStateException("no fonts");
        }, written::add));
        assertTrue(written.isEmpty());
        assertFalse(RunPlots.drawQuietly("unwritable.png", () -> RunPlots.quickstart(JSON.createObjectNode(), "r"),
                png -> {
                    throw new java.io.UncheckedIOException(new IOException("disk full"));
                }));
        assertTrue(RunPlots.drawQuietly("ok.png", () -> RunPlots.quickstart(JSON.createObjectNode(), "r"), written::add));
        assertEquals(1, written.size());
    }

    @Test
    void longTitlesWrapBetweenTheirParts() {
        java.awt.FontMetrics metrics = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics()
                .getFontMetrics(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 20));
        List<String> lines = Figure.wrap("BuildPairsJob · /a/very/long/path/to/runs/pairs · 200 problems · 107 pairs"
                + " · 2.3 rollouts per located error", metrics, 620);
        assertTrue(lines.size() >= 2, lines.toString());
        for (String line : lines) {
            assertTrue(metrics.stringWidth(line) <= 620, line);
            assertFalse(line.startsWith(" ") || line.endsWith("·"), line);
        }
        assertEquals(List.of("short"), Figure.wrap("short", metrics, 620));
    }
}
