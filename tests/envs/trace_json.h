// tests/envs/trace_json.h — a minimal JSON reader for the reference traces and data-file metadata
// the environment tests read (objects, arrays, numbers, strings, booleans, null; no escapes beyond
// \" and \\, which the files do not use). Numbers go through strtod, which rounds correctly, so a
// float32 written at full precision reads back exactly after a cast to float. Header-only; plain
// values; errors are reported as a false return (and by the callers as test failures).
#pragma once

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace slaterl {
namespace testing_envs {

struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject } type = Type::kNull;
  bool boolean = false;
  double number = 0.0;
  std::string string;
  std::vector<Json> array;
  std::vector<std::pair<std::string, Json>> object;

  // The member `key`, or a null Json when absent (check with Has()).
  const Json& operator[](const std::string& key) const {
    for (const auto& [k, v] : object)
      if (k == key) return v;
    static const Json kNull;
    return kNull;
  }
  bool Has(const std::string& key) const {
    for (const auto& kv : object)
      if (kv.first == key) return true;
    return false;
  }
  const Json& operator[](size_t i) const { return array.at(i); }
  size_t size() const { return type == Type::kArray ? array.size() : object.size(); }
  // Array of numbers as T (int, float, double, ...); booleans read as 0/1.
  template <typename T>
  std::vector<T> As() const {
    std::vector<T> out;
    for (const Json& v : array)
      out.push_back(static_cast<T>(v.type == Type::kBool ? (v.boolean ? 1.0 : 0.0) : v.number));
    return out;
  }
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& text) : s_(text) {}
  bool Parse(Json* out) {
    if (!Value(out)) return false;
    SkipSpace();
    return pos_ == s_.size();
  }

 private:
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Literal(const char* word) {
    const std::string w(word);
    if (s_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }
  bool String(std::string* out) {
    if (pos_ >= s_.size() || s_[pos_] != '"') return false;
    ++pos_;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      if (s_[pos_] == '\\') ++pos_;
      if (pos_ < s_.size()) out->push_back(s_[pos_++]);
    }
    if (pos_ >= s_.size()) return false;
    ++pos_;
    return true;
  }
  bool Value(Json* out) {
    SkipSpace();
    if (pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    if (c == '{') {
      out->type = Json::Type::kObject;
      ++pos_;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, true;
      while (true) {
        SkipSpace();
        std::string key;
        if (!String(&key)) return false;
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_++] != ':') return false;
        Json v;
        if (!Value(&v)) return false;
        out->object.emplace_back(std::move(key), std::move(v));
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, true;
        return false;
      }
    }
    if (c == '[') {
      out->type = Json::Type::kArray;
      ++pos_;
      SkipSpace();
      if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, true;
      while (true) {
        Json v;
        if (!Value(&v)) return false;
        out->array.push_back(std::move(v));
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, true;
        return false;
      }
    }
    if (c == '"') {
      out->type = Json::Type::kString;
      return String(&out->string);
    }
    if (Literal("true")) {
      out->type = Json::Type::kBool;
      out->boolean = true;
      return true;
    }
    if (Literal("false")) {
      out->type = Json::Type::kBool;
      return true;
    }
    if (Literal("null")) return true;
    const char* begin = s_.c_str() + pos_;
    char* end = nullptr;
    out->number = std::strtod(begin, &end);
    if (end == begin) return false;
    out->type = Json::Type::kNumber;
    pos_ += static_cast<size_t>(end - begin);
    return true;
  }

  const std::string& s_;
  size_t pos_ = 0;
};

// One JSON value per non-empty line of `path`; *ok is false when the file cannot be read or a line
// does not parse (the lines before it are returned).
inline std::vector<Json> ReadJsonLines(const std::string& path, bool* ok) {
  *ok = true;
  std::ifstream in(path);
  if (!in.good()) {
    *ok = false;
    return {};
  }
  std::vector<Json> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Json j;
    if (!JsonParser(line).Parse(&j)) {
      *ok = false;
      return lines;
    }
    lines.push_back(std::move(j));
  }
  return lines;
}

// The whole of `path` as one JSON value; *ok as above.
inline Json ReadJsonFile(const std::string& path, bool* ok) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  Json j;
  *ok = in.is_open() && JsonParser(text.str()).Parse(&j);
  return j;
}

}  // namespace testing_envs
}  // namespace slaterl
