#include "core/params.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/status.h"

namespace slaterl {

const char* ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kInt: return "int";
    case ValueType::kDouble: return "float";
    case ValueType::kBool: return "bool";
    case ValueType::kString: return "string";
    case ValueType::kEnum: return "enum";
    case ValueType::kHostList: return "host list";
  }
  return "?";
}

namespace {
// Shortest decimal text that reads back as exactly `v`.
std::string FormatDouble(double v) {
  std::string s;
  for (int precision = 6; precision <= 17; ++precision) {
    std::ostringstream out;
    out.precision(precision);
    out << v;
    s = out.str();
    if (std::strtod(s.c_str(), nullptr) == v) break;
  }
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}
}  // namespace

Schema& Schema::Int(const std::string& name, int64_t def, int64_t min, int64_t max,
                    const std::string& unit, const std::string& doc) {
  KeySpec k;
  k.name = name;
  k.type = ValueType::kInt;
  k.default_text = std::to_string(def);
  k.min = static_cast<double>(min);
  k.max = static_cast<double>(max);
  k.unit = unit;
  k.doc = doc;
  keys_.push_back(k);
  return *this;
}

Schema& Schema::Double(const std::string& name, double def, double min, double max,
                       const std::string& unit, const std::string& doc, bool min_exclusive) {
  KeySpec k;
  k.name = name;
  k.type = ValueType::kDouble;
  k.default_text = FormatDouble(def);
  k.min = min;
  k.max = max;
  k.min_exclusive = min_exclusive;
  k.unit = unit;
  k.doc = doc;
  keys_.push_back(k);
  return *this;
}

Schema& Schema::Bool(const std::string& name, bool def, const std::string& doc) {
  KeySpec k;
  k.name = name;
  k.type = ValueType::kBool;
  k.default_text = def ? "true" : "false";
  k.doc = doc;
  keys_.push_back(k);
  return *this;
}

Schema& Schema::String(const std::string& name, const std::string& def, const std::string& doc) {
  KeySpec k;
  k.name = name;
  k.type = ValueType::kString;
  k.default_text = def;
  k.doc = doc;
  keys_.push_back(k);
  return *this;
}

Schema& Schema::Enum(const std::string& name, const std::string& def,
                     std::vector<std::string> choices, const std::string& doc) {
  KeySpec k;
  k.name = name;
  k.type = ValueType::kEnum;
  k.default_text = def;
  k.choices = std::move(choices);
  k.doc = doc;
  keys_.push_back(k);
  return *this;
}

Schema& Schema::HostList(const std::string& name, const std::string& doc) {
  KeySpec k;
  k.name = name;
  k.type = ValueType::kHostList;
  k.default_text = "[]";
  k.doc = doc;
  keys_.push_back(k);
  return *this;
}

Schema& Schema::Required(const std::string& name, ValueType type, const std::string& doc,
                         std::vector<std::string> choices) {
  KeySpec k;
  k.name = name;
  k.type = type;
  k.required = true;
  k.choices = std::move(choices);
  k.doc = doc;
  keys_.push_back(k);
  return *this;
}

Schema& Schema::OptionalDouble(const std::string& name, double min, double max, const std::string& unit,
                               const std::string& doc) {
  KeySpec k;
  k.name = name;
  k.type = ValueType::kDouble;
  k.optional = true;
  k.min = min;
  k.max = max;
  k.unit = unit;
  k.doc = doc;
  keys_.push_back(k);
  return *this;
}

const KeySpec* Schema::Find(const std::string& name) const {
  for (const auto& k : keys_)
    if (k.name == name) return &k;
  return nullptr;
}

std::string ParamValue::ToString() const {
  if (unset) return "~";
  switch (type) {
    case ValueType::kInt: return std::to_string(i);
    case ValueType::kDouble: return FormatDouble(d);
    case ValueType::kBool: return b ? "true" : "false";
    case ValueType::kString:
    case ValueType::kEnum:
    case ValueType::kHostList: return s;
  }
  return "";
}

const ParamValue& Params::Get(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) {
    std::fprintf(stderr, "FATAL: undeclared parameter '%s' read\n", key.c_str());
    std::abort();
  }
  return it->second;
}

int64_t Params::GetInt(const std::string& key) const {
  const ParamValue& v = Get(key);
  SLATERL_CHECK(v.type == ValueType::kInt);
  return v.i;
}

bool Params::IsSet(const std::string& key) const {
  auto it = values_.find(key);
  return it != values_.end() && !it->second.unset;
}

double Params::GetDouble(const std::string& key) const {
  const ParamValue& v = Get(key);
  SLATERL_CHECK(!v.unset);
  if (v.type == ValueType::kInt) return static_cast<double>(v.i);
  SLATERL_CHECK(v.type == ValueType::kDouble);
  return v.d;
}

bool Params::GetBool(const std::string& key) const {
  const ParamValue& v = Get(key);
  SLATERL_CHECK(v.type == ValueType::kBool);
  return v.b;
}

const std::string& Params::GetString(const std::string& key) const {
  const ParamValue& v = Get(key);
  SLATERL_CHECK(v.type == ValueType::kString || v.type == ValueType::kEnum || v.type == ValueType::kHostList);
  return v.s;
}

void Params::Set(const std::string& key, ParamValue value, bool is_explicit) {
  values_[key] = std::move(value);
  if (is_explicit) explicit_[key] = true;
}

}  // namespace slaterl
