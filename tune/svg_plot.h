// tune/svg_plot.h — line plots with shaded bands as standalone SVG text (no GUI, no fonts
// beyond the viewer's sans-serif), for learning curves in reports.
//
// A plot has axes with "nice" ticks (1, 2, 5 × 10^k), one polyline per series, an optional
// translucent band (lo..hi) per series, and a legend. Non-finite points are skipped. Pure
// function; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace slaterl {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
  std::vector<double> lo, hi;  // empty = no band; else same size as x
};

struct PlotOptions {
  std::string title, x_label, y_label;
  // The canvas; it widens beyond `width` (the plot area keeping its size) when the legend's
  // longest label needs more than the default right margin.
  int width = 760, height = 440;
};

std::string LinePlotSvg(const std::vector<PlotSeries>& series, const PlotOptions& options);

// "Nice" tick positions covering [lo, hi], about `target` of them.
std::vector<double> NiceTicks(double lo, double hi, int target = 6);

}  // namespace slaterl
