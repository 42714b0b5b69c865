// core/json.h — a minimal JSON object writer for metrics rows, summaries and --json output.
//
// Keys keep insertion order; doubles are written with 17 significant digits (round-trip exact),
// non-finite doubles as null. Plain value; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace slaterl {

std::string JsonEscape(const std::string& s);
std::string JsonNumber(double v);

class JsonObject {
 public:
  JsonObject& Add(const std::string& key, double v);
  JsonObject& Add(const std::string& key, int64_t v);
  JsonObject& Add(const std::string& key, int v) { return Add(key, static_cast<int64_t>(v)); }
  JsonObject& Add(const std::string& key, bool v);
  JsonObject& Add(const std::string& key, const std::string& v);
  JsonObject& Add(const std::string& key, const char* v) { return Add(key, std::string(v)); }
  JsonObject& Add(const std::string& key, const std::vector<double>& v);
  JsonObject& AddRaw(const std::string& key, const std::string& json);  // nested object/array
  std::string str() const { return "{" + body_ + "}"; }
  bool empty() const { return body_.empty(); }

 private:
  void Key(const std::string& key);
  std::string body_;
};

// Reads the number stored under "key" in a flat JSON object written by JsonObject (for tests and
// `slaterl report`); false when absent or not a number.
bool JsonGetNumber(const std::string& json, const std::string& key, double* out);

// Numeric members of one flat JSON object, in file order (null and strings are skipped).
Result<std::vector<std::pair<std::string, double>>> ParseJsonNumbers(const std::string& json);

}  // namespace slaterl
