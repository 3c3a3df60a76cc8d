package dev.concord.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.awt.geom.Ellipse2D;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.LineAndShapeRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * The report's charts: JFreeChart plots drawn by JFreeSVG into SVG elements that sit inline in the page, so the
 * report needs no script, font or file beside it.
 */
final class Charts {
  private Charts() {}

  static {
    // Charts are drawn on servers without a display.
    System.setProperty("java.awt.headless", "true");
  }

  static final Color KEPT = new Color(0x2e7d32);
  static final Color UNCERTAIN = new Color(0xef8f00);
  static final Color DROPPED = new Color(0xc62828);
  static final Color BAR = new Color(0x3f6fb5);
  private static final Color GRID = new Color(0xdddddd);
  private static final Font FONT = new Font("SansSerif", Font.PLAIN, 11);
  private static final Font TITLE = new Font("SansSerif", Font.BOLD, 13);
  /** The decision groups the charts colour, in the legend's order. */
  static final List<String> GROUPS = List.of("kept", "uncertain", "dropped");

  static Color colour(String group) {
    return switch (group) {
      case "kept" -> KEPT;
      case "uncertain" -> UNCERTAIN;
      default -> DROPPED;
    };
  }

  /** A point with an interval, in one of the {@link #GROUPS}. */
  record Point(String group, double x, double y, double low, double high) {}

  /** The chart as an inline SVG element; {@code id} keeps its clip paths apart from the other charts' in the page. */
  static String svg(JFreeChart chart, String id, int width, int height) {
    SVGGraphics2D g = new SVGGraphics2D(width, height);
    g.setDefsKeyPrefix(id + "-");
    chart.draw(g, new Rectangle(0, 0, width, height));
    return g.getSVGElement(id);
  }

  /**
   * Points with their intervals, coloured by group, against a horizontal threshold: each annotator's deciding figure
   * in a project and task type.
   */
  static JFreeChart intervals(String title, String xLabel, String yLabel, List<Point> points, double threshold) {
    YIntervalSeriesCollection data = new YIntervalSeriesCollection();
    XYErrorRenderer renderer = new XYErrorRenderer();
    renderer.setDrawXError(false);
    renderer.setDefaultLinesVisible(false);
    renderer.setErrorStroke(new BasicStroke(1f));
    renderer.setCapLength(3);
    int series = 0;
    for (String g : GROUPS) {
      YIntervalSeries s = new YIntervalSeries(g);
      points.stream().filter(p -> p.group().equals(g)).forEach(p -> s.add(p.x(), p.y(), p.low(), p.high()));
      if (s.getItemCount() > 0) {
        data.addSeries(s);
        renderer.setSeriesPaint(series, colour(g));
        renderer.setSeriesShape(series, new Ellipse2D.Double(-3, -3, 6, 6));
        series++;
      }
    }
    renderer.setErrorPaint(null);
    XYPlot plot = new XYPlot(data, new NumberAxis(xLabel), new NumberAxis(yLabel), renderer);
    plot.addRangeMarker(marker(threshold, "threshold " + format(threshold)));
    // A kappa lies in [-1, 1]; a bound beyond it says only that the interval is wide.
    plot.getRangeAxis().setRange(-1.05, 1.05);
    ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    return styled(new JFreeChart(title, TITLE, plot, true));
  }

  /**
   * Points coloured by group, with a vertical marker (none without a label): each annotator's median time against
   * their deciding figure.
   */
  static JFreeChart scatter(String title, String xLabel, String yLabel, List<Point> points, double xMarker,
      String markerLabel) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
    int series = 0;
    for (String g : GROUPS) {
      XYSeries s = new XYSeries(g, false, true);
      points.stream().filter(p -> p.group().equals(g)).forEach(p -> s.add(p.x(), p.y()));
      if (s.getItemCount() > 0) {
        data.addSeries(s);
        renderer.setSeriesPaint(series, colour(g));
        renderer.setSeriesShape(series, new Ellipse2D.Double(-3, -3, 6, 6));
        series++;
      }
    }
    XYPlot plot = new XYPlot(data, new NumberAxis(xLabel), new NumberAxis(yLabel), renderer);
    if (markerLabel != null) {
      plot.addDomainMarker(marker(xMarker, markerLabel));
    }
    return styled(new JFreeChart(title, TITLE, plot, true));
  }

  /**
   * Points coloured by group against the diagonal: each annotator's figure in the version before (x) and in this one
   * (y), so that a fall shows as a point below the line.
   */
  static JFreeChart againstDiagonal(String title, String xLabel, String yLabel, List<Point> points) {
    JFreeChart chart = scatter(title, xLabel, yLabel, points, Double.NaN, null);
    XYPlot plot = chart.getXYPlot();
    plot.addAnnotation(new org.jfree.chart.annotations.XYLineAnnotation(-1, -1, 1, 1, new BasicStroke(1f),
        Color.GRAY));
    plot.getDomainAxis().setRange(-1.05, 1.05);
    plot.getRangeAxis().setRange(-1.05, 1.05);
    return chart;
  }

  /** Horizontal bars, one per category, in the map's order. */
  static JFreeChart bars(String title, String valueLabel, Map<String, ? extends Number> counts) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    counts.forEach((k, v) -> data.addValue(v, valueLabel, k));
    JFreeChart chart = ChartFactory.createBarChart(title, null, valueLabel, data, PlotOrientation.HORIZONTAL, false,
        false, false);
    barStyle(chart);
    return styled(chart);
  }

  /** Vertical bars over bins, in the map's order: a histogram of counts per bin. */
  static JFreeChart histogram(String title, String binLabel, String valueLabel, Map<String, ? extends Number> counts) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    counts.forEach((k, v) -> data.addValue(v, valueLabel, k));
    JFreeChart chart = ChartFactory.createBarChart(title, binLabel, valueLabel, data, PlotOrientation.VERTICAL, false,
        false, false);
    barStyle(chart);
    ((BarRenderer) chart.getCategoryPlot().getRenderer()).setItemMargin(0);
    chart.getCategoryPlot().getDomainAxis().setCategoryMargin(0.05);
    return styled(chart);
  }

  /**
   * Lines over versions: {@code values} maps each series to its value per version (null where it has none), in
   * {@code versions}' order.
   */
  static JFreeChart lines(String title, String yLabel, List<String> versions, Map<String, List<Double>> values,
      Double marker) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    values.forEach((series, v) -> {
      for (int i = 0; i < versions.size(); i++) {
        data.addValue(v.get(i), series, versions.get(i));
      }
    });
    JFreeChart chart = ChartFactory.createLineChart(title, "version", yLabel, data, PlotOrientation.VERTICAL, true,
        false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    LineAndShapeRenderer renderer = (LineAndShapeRenderer) plot.getRenderer();
    renderer.setDefaultShapesVisible(true);
    renderer.setDefaultStroke(new BasicStroke(2f));
    renderer.setAutoPopulateSeriesStroke(false);
    for (int i = 0; i < values.size(); i++) {
      renderer.setSeriesPaint(i, SERIES[i % SERIES.length]);
    }
    plot.getDomainAxis().setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    if (marker != null) {
      plot.addRangeMarker(marker(marker, "threshold " + format(marker)));
    }
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    return styled(chart);
  }

  private static void barStyle(JFreeChart chart) {
    CategoryPlot plot = chart.getCategoryPlot();
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setSeriesPaint(0, BAR);
    renderer.setMaximumBarWidth(0.12);
    CategoryAxis axis = plot.getDomainAxis();
    axis.setMaximumCategoryLabelWidthRatio(0.45f);
    ((NumberAxis) plot.getRangeAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
  }

  private static ValueMarker marker(double at, String label) {
    ValueMarker m = new ValueMarker(at, DROPPED, new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
        10f, new float[] {5f, 4f}, 0f));
    m.setLabel(label);
    m.setLabelFont(FONT);
    m.setLabelPaint(DROPPED);
    m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
    m.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
    return m;
  }

  /** Series colours that stay apart on white (Tableau's ten), for the lines of the trends. */
  private static final Color[] SERIES = {new Color(0x4e79a7), new Color(0xf28e2b), new Color(0xe15759),
      new Color(0x76b7b2), new Color(0x59a14f), new Color(0xedc948), new Color(0xb07aa1), new Color(0xff9da7),
      new Color(0x9c755f), new Color(0xbab0ac)};

  private static JFreeChart styled(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    if (chart.getTitle() != null) {
      chart.getTitle().setFont(TITLE);
    }
    chart.setAntiAlias(true);
    chart.setTextAntiAlias(true);
    if (chart.getLegend() != null) {
      chart.getLegend().setItemFont(FONT);
      chart.getLegend().setFrame(org.jfree.chart.block.BlockBorder.NONE);
    }
    if (chart.getPlot() instanceof XYPlot p) {
      p.setBackgroundPaint(Color.WHITE);
      p.setDomainGridlinePaint(GRID);
      p.setRangeGridlinePaint(GRID);
      p.getDomainAxis().setLabelFont(FONT);
      p.getRangeAxis().setLabelFont(FONT);
    } else if (chart.getPlot() instanceof CategoryPlot p) {
      p.setBackgroundPaint(Color.WHITE);
      p.setRangeGridlinePaint(GRID);
      p.getDomainAxis().setLabelFont(FONT);
      p.getDomainAxis().setTickLabelFont(FONT);
      p.getRangeAxis().setLabelFont(FONT);
    }
    return chart;
  }

  static String format(double v) {
    return String.format(java.util.Locale.ROOT, "%.2f", v);
  }
}
