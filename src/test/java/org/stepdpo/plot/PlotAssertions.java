package org.stepdpo.plot;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Checks on the PNG figures the jobs write. */
public final class PlotAssertions {
    private PlotAssertions() {}

    /** The first series' colour: bars and lines of data are drawn in it. */
    private static final int DATA = 0x1f77b4;

    /**
     * {@code png} is a PNG of at least {@code panels} chart panels (640 x 400 each) with data drawn in
     * it (pixels of the first series' colour) and text (dark pixels).
     *
     * @return the decoded image
     */
    public static BufferedImage assertPlot(Path png, int panels) {
        try {
            assertTrue(Files.isRegularFile(png), png + " was not written");
            return assertPlot(Files.readAllBytes(png), panels, png.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** As {@link #assertPlot(Path, int)}, on PNG bytes. */
    public static BufferedImage assertPlot(byte[] png, int panels, String name) throws IOException {
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(image, name + " is not a PNG");
        int columns = Math.max(1, Math.min(2, panels));
        int rows = (panels + columns - 1) / columns;
        assertTrue(image.getWidth() >= 640 * columns && image.getHeight() >= 400 * rows,
                name + ": " + image.getWidth() + "x" + image.getHeight() + " for " + panels + " panels");
        long data = 0;
        long dark = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                if (rgb == DATA) {
                    data++;
                }
                if (((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff) < 150) {
                    dark++;
                }
            }
        }
        assertTrue(data >= 200, name + ": " + data + " pixels of data");
        assertTrue(dark >= 2000, name + ": " + dark + " dark pixels of text");
        return image;
    }
}
