#include "core/json.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace slaterl {

std::string JsonEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

void JsonObject::Key(const std::string& key) {
  if (!body_.empty()) body_ += ", ";
  body_ += "\"" + JsonEscape(key) + "\": ";
}

JsonObject& JsonObject::Add(const std::string& key, double v) {
  Key(key);
  body_ += JsonNumber(v);
  return *this;
}
JsonObject& JsonObject::Add(const std::string& key, int64_t v) {
  Key(key);
  body_ += std::to_string(v);
  return *this;
}
JsonObject& JsonObject::Add(const std::string& key, bool v) {
  Key(key);
  body_ += v ? "true" : "false";
  return *this;
}
JsonObject& JsonObject::Add(const std::string& key, const std::string& v) {
  Key(key);
  body_ += "\"" + JsonEscape(v) + "\"";
  return *this;
}
JsonObject& JsonObject::Add(const std::string& key, const std::vector<double>& v) {
  Key(key);
  body_ += "[";
  for (size_t i = 0; i < v.size(); ++i) body_ += (i ? ", " : "") + JsonNumber(v[i]);
  body_ += "]";
  return *this;
}
JsonObject& JsonObject::AddRaw(const std::string& key, const std::string& json) {
  Key(key);
  body_ += json;
  return *this;
}

bool JsonGetNumber(const std::string& json, const std::string& key, double* out) {
  const std::string needle = "\"" + key + "\":";
  size_t pos = json.find(needle);
  if (pos == std::string::npos) return false;
  pos += needle.size();
  while (pos < json.size() && json[pos] == ' ') ++pos;
  const char* start = json.c_str() + pos;
  char* end = nullptr;
  const double v = std::strtod(start, &end);
  if (end == start) return false;
  *out = v;
  return true;
}

namespace {

// A scalar that reads as a number; a quoted string does not.
bool JsonScalarNumber(const YAML::Node& node, double* out) {
  if (!node.IsDefined() || !node.IsScalar() || node.Tag() == "!") return false;
  try {
    *out = node.as<double>();
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

}  // namespace

// JSON is YAML, so yaml-cpp reads it; no second parser lives in the project.
Result<std::vector<std::pair<std::string, double>>> ParseJsonNumbers(const std::string& json) {
  std::vector<std::pair<std::string, double>> out;
  try {
    const YAML::Node root = YAML::Load(json);
    if (!root.IsMap()) return InvalidArgumentError("not a JSON object: " + json.substr(0, 60));
    for (const auto& kv : root) {
      double v;
      if (JsonScalarNumber(kv.second, &v)) out.emplace_back(kv.first.as<std::string>(), v);
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("bad JSON (" + e.msg + "): " + json.substr(0, 60));
  }
  return out;
}

}  // namespace slaterl
