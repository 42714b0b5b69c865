// tests/testing/reference.h — reference numbers for tests, read from the committed reference table
// (data/reference/reference.csv), so that no test hard-codes a number measured elsewhere.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/reference_table.h"
#include "core/stats.h"

namespace slaterl {
namespace testing_util {

// The table's sample (mean, std, episodes) of row `id`; adds a test failure and returns an empty
// sample when the table or the row cannot be read.
inline SampleSummary ReferenceSample(const std::string& id) {
  static const Result<ReferenceTable> table =
      ReferenceTable::Load(std::string(SLATERL_SOURCE_DIR) + "/data/reference/reference.csv");
  if (!table.ok()) {
    ADD_FAILURE() << table.status().ToString();
    return {};
  }
  const ReferenceRow* row = table->Find(id);
  if (!row) {
    ADD_FAILURE() << "data/reference/reference.csv has no row '" << id << "'";
    return {};
  }
  Result<SampleSummary> sample = row->Sample();
  if (!sample.ok()) {
    ADD_FAILURE() << id << ": " << sample.status().ToString();
    return {};
  }
  return *sample;
}

}  // namespace testing_util
}  // namespace slaterl
