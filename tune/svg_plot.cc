#include "tune/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace slaterl {
namespace {

// Colour-blind-safe palette (Okabe–Ito).
const char* const kColors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"};

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  return buf;
}

std::string Num0(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.0f", v);
  return buf;
}

std::string TickLabel(double v, double step) {
  char buf[32];
  const double a = std::fabs(v);
  if (a >= 1e6 && step >= 1e5) std::snprintf(buf, sizeof(buf), "%gM", v / 1e6);
  else if (a >= 1e3 && step >= 100) std::snprintf(buf, sizeof(buf), "%gk", v / 1e3);
  else std::snprintf(buf, sizeof(buf), "%g", std::fabs(v) < step * 1e-9 ? 0.0 : v);
  return buf;
}

// Characters of UTF-8 text (code points: continuation bytes do not count).
size_t TextLength(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Legend geometry, right of the plot area: a 20-px swatch 12 px from the plot, the label 6 px
// after it. Label widths are estimated from their length at kCharWidth px per character (the
// sans-serif average is about 0.5–0.6 em; 0.62 em leaves room), with a kLegendPad margin after.
constexpr double kFontSize = 12, kCharWidth = 0.62 * kFontSize, kLegendPad = 10;
constexpr double kLegendSwatch = 12, kLegendText = 38;

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int target) {
  std::vector<double> ticks;
  if (!std::isfinite(lo) || !std::isfinite(hi)) return ticks;
  if (hi <= lo) hi = lo + 1.0;
  const double raw = (hi - lo) / std::max(1, target);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push_back(t);
  return ticks;
}

std::string LinePlotSvg(const std::vector<PlotSeries>& series, const PlotOptions& o) {
  // The plot area keeps its size; a legend wider than the default right margin widens the canvas.
  const double left = 70, default_right = 180, top = 36, bottom = 50;
  const double pw = o.width - left - default_right, ph = o.height - top - bottom;
  size_t longest_label = 0;
  for (const auto& s : series) longest_label = std::max(longest_label, TextLength(s.label));
  const double right = std::max(default_right, std::ceil(kLegendText + kCharWidth * longest_label + kLegendPad));
  const int width = o.width + static_cast<int>(right - default_right);
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      double lo = s.y[i], hi = s.y[i];
      if (i < s.lo.size() && std::isfinite(s.lo[i])) lo = std::min(lo, s.lo[i]);
      if (i < s.hi.size() && std::isfinite(s.hi[i])) hi = std::max(hi, s.hi[i]);
      y0 = std::min(y0, lo), y1 = std::max(y1, hi);
    }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y0 -= 0.5, y1 += 0.5;
  const double pad = 0.05 * (y1 - y0);
  y0 -= pad, y1 += pad;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return top + (1.0 - (y - y0) / (y1 - y0)) * ph; };

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
                    "\" height=\"" + std::to_string(o.height) + "\" viewBox=\"0 0 " + std::to_string(width) +
                    " " + std::to_string(o.height) + "\" font-family=\"sans-serif\" font-size=\"" + Num0(kFontSize) +
                    "\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + Num(left + pw / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" +
         Escape(o.title) + "</text>\n";
  // Grid and ticks.
  const auto xt = NiceTicks(x0, x1), yt = NiceTicks(y0, y1);
  const double xstep = xt.size() > 1 ? xt[1] - xt[0] : 1, ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  for (double t : xt) {
    svg += "<line x1=\"" + Num(px(t)) + "\" y1=\"" + Num(top) + "\" x2=\"" + Num(px(t)) + "\" y2=\"" +
           Num(top + ph) + "\" stroke=\"#e5e5e5\"/>\n";
    svg += "<text x=\"" + Num(px(t)) + "\" y=\"" + Num(top + ph + 16) + "\" text-anchor=\"middle\">" +
           TickLabel(t, xstep) + "</text>\n";
  }
  for (double t : yt) {
    svg += "<line x1=\"" + Num(left) + "\" y1=\"" + Num(py(t)) + "\" x2=\"" + Num(left + pw) + "\" y2=\"" +
           Num(py(t)) + "\" stroke=\"#e5e5e5\"/>\n";
    svg += "<text x=\"" + Num(left - 6) + "\" y=\"" + Num(py(t) + 4) + "\" text-anchor=\"end\">" +
           TickLabel(t, ystep) + "</text>\n";
  }
  svg += "<rect x=\"" + Num(left) + "\" y=\"" + Num(top) + "\" width=\"" + Num(pw) + "\" height=\"" + Num(ph) +
         "\" fill=\"none\" stroke=\"#333\"/>\n";
  svg += "<text x=\"" + Num(left + pw / 2) + "\" y=\"" + Num(o.height - 12.0) + "\" text-anchor=\"middle\">" +
         Escape(o.x_label) + "</text>\n";
  svg += "<text transform=\"translate(16," + Num(top + ph / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
         Escape(o.y_label) + "</text>\n";
  // Bands, then lines, then the legend.
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const char* color = kColors[k % (sizeof(kColors) / sizeof(kColors[0]))];
    if (s.lo.size() == s.x.size() && s.hi.size() == s.x.size() && !s.x.empty()) {
      std::string upper, lower;
      for (size_t i = 0; i < s.x.size(); ++i)
        if (std::isfinite(s.x[i]) && std::isfinite(s.hi[i])) upper += Num(px(s.x[i])) + "," + Num(py(s.hi[i])) + " ";
      for (size_t i = s.x.size(); i-- > 0;)
        if (std::isfinite(s.x[i]) && std::isfinite(s.lo[i])) lower += Num(px(s.x[i])) + "," + Num(py(s.lo[i])) + " ";
      if (!upper.empty())
        svg += "<polygon points=\"" + upper + lower + "\" fill=\"" + color + "\" fill-opacity=\"0.18\" stroke=\"none\"/>\n";
    }
  }
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const char* color = kColors[k % (sizeof(kColors) / sizeof(kColors[0]))];
    std::string points;
    size_t count = 0;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) points += Num(px(s.x[i])) + "," + Num(py(s.y[i])) + " ", ++count;
    if (count == 1) svg += "<circle cx=\"" + points.substr(0, points.find(',')) + "\" cy=\"" +
                           points.substr(points.find(',') + 1, points.find(' ') - points.find(',') - 1) +
                           "\" r=\"3\" fill=\"" + color + "\"/>\n";
    else if (count > 1)
      svg += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"2\"/>\n";
    const double ly = top + 12 + 20.0 * k;
    svg += "<line x1=\"" + Num(left + pw + kLegendSwatch) + "\" y1=\"" + Num(ly) + "\" x2=\"" +
           Num(left + pw + kLegendSwatch + 20) + "\" y2=\"" + Num(ly) + "\" stroke=\"" + color + "\" stroke-width=\"3\"/>\n";
    svg += "<text x=\"" + Num(left + pw + kLegendText) + "\" y=\"" + Num(ly + 4) + "\">" + Escape(s.label) + "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace slaterl
