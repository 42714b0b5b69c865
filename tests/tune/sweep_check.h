// Test helper: recomputes a sweep report's statistics from its results.csv (per-run final values)
// with core/stats and checks points.csv (full precision) and report.md (rounded) against them.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/stats.h"
#include "tests/launch/process_util.h"

namespace slaterl {
namespace testing_util {

inline std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(field), field.clear();
    } else {
      field += c;
    }
  }
  out.push_back(field);
  return out;
}

// Rows of a CSV file as header → value maps.
inline std::vector<std::map<std::string, std::string>> ReadCsv(const std::string& path) {
  const auto lines = Lines(ReadText(path));
  std::vector<std::map<std::string, std::string>> rows;
  if (lines.empty()) return rows;
  const auto header = SplitCsv(lines[0]);
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto fields = SplitCsv(lines[i]);
    std::map<std::string, std::string> row;
    for (size_t k = 0; k < header.size() && k < fields.size(); ++k) row[header[k]] = fields[k];
    rows.push_back(row);
  }
  return rows;
}

inline std::string Rounded(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", v);
  return buf;
}

// Checks every point of `sweep_dir` against a recomputation from results.csv; returns the number
// of points checked.
inline int ExpectReportMatchesResults(const std::string& sweep_dir, const std::string& baseline, double alpha,
                                      bool higher_is_better = true) {
  std::map<std::string, std::vector<double>> finals;
  for (const auto& row : ReadCsv(sweep_dir + "/results.csv"))
    if (row.at("status") == "ok") finals[row.at("point")].push_back(std::stod(row.at("final")));
  const std::string report = ReadText(sweep_dir + "/report.md");
  const auto points = ReadCsv(sweep_dir + "/points.csv");
  std::vector<std::pair<double, std::string>> by_mean;
  for (const auto& p : points) {
    const auto& values = finals[p.at("point")];
    EXPECT_EQ(std::stoll(p.at("n")), static_cast<long long>(values.size())) << p.at("point");
    if (values.empty()) continue;
    const double mean = Mean(values);
    EXPECT_NEAR(std::stod(p.at("mean")), mean, 1e-9 * std::max(1.0, std::fabs(mean))) << p.at("point");
    EXPECT_NE(report.find("| " + Rounded(mean) + " |"), std::string::npos) << "report.md lacks mean " << Rounded(mean);
    by_mean.emplace_back(higher_is_better ? -mean : mean, p.at("point"));
    if (values.size() >= 2) {
      const double std = SampleStd(values);
      const double half = StudentTQuantile(0.975, values.size() - 1.0).value() * std / std::sqrt(double(values.size()));
      EXPECT_NEAR(std::stod(p.at("std")), std, 1e-9 * std::max(1.0, std)) << p.at("point");
      EXPECT_NEAR(std::stod(p.at("ci95")), half, 1e-9 * std::max(1.0, half)) << p.at("point");
      EXPECT_NE(report.find("| " + Rounded(half) + " |"), std::string::npos) << "report.md lacks CI " << Rounded(half);
    }
    if (!baseline.empty() && p.at("point") != baseline && finals[baseline].size() >= 2 && values.size() >= 2) {
      auto w = WelchTTest(Summarize(values), Summarize(finals[baseline]));
      if (w.ok()) {
        EXPECT_NEAR(std::stod(p.at("welch_t")), w->t, 1e-9 * std::max(1.0, std::fabs(w->t)));
        EXPECT_NEAR(std::stod(p.at("welch_df")), w->df, 1e-9 * std::max(1.0, w->df));
        EXPECT_NEAR(std::stod(p.at("p_value")), w->p_two_sided, 1e-12);
        EXPECT_EQ(p.at("significant"), w->p_two_sided < alpha ? "1" : "0");
      }
    }
  }
  // Ranks follow the seed means.
  std::sort(by_mean.begin(), by_mean.end());
  for (size_t r = 0; r < by_mean.size(); ++r)
    for (const auto& p : points)
      if (p.at("point") == by_mean[r].second) {
        EXPECT_EQ(std::stoi(p.at("rank")), static_cast<int>(r + 1)) << p.at("point");
      }
  return static_cast<int>(points.size());
}

}  // namespace testing_util
}  // namespace slaterl
