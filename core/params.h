// core/params.h — validated, typed parameter values of one config section (env_config, config,
// cluster, ...) and the schema that declares them.
//
// A Schema lists every key a section accepts: its type, default, range or choices, unit and
// meaning. Config loading (core/config.h) validates YAML against a Schema once at start-up and
// produces Params with every key present (defaults filled in). After that, components read Params
// with typed getters; asking for an undeclared key or the wrong type is a programming error and
// CHECK-crashes. docs/config.md is generated from the same schemas, so docs and validator agree.
// Plain values; not thread-safe for concurrent mutation, safe to read concurrently.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace slaterl {

// kHostList: a YAML list of {host, address, actors, shards, learner} maps (cluster.hosts),
// validated entry by entry and stored as canonical flow YAML text in ParamValue::s; read it
// with ParseHostList (core/hosts.h).
enum class ValueType { kInt, kDouble, kBool, kString, kEnum, kHostList };
const char* ValueTypeName(ValueType type);

struct KeySpec {
  std::string name;
  ValueType type = ValueType::kInt;
  std::string default_text;  // YAML text of the default; empty with `required`
  bool required = false;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  std::vector<std::string> choices;  // kEnum
  std::string unit;                  // "env steps", "s", "" ...
  std::string doc;
  bool optional = false;             // may be unset (YAML null / absent); default unset
};

class Schema {
 public:
  explicit Schema(std::string section = "") : section_(std::move(section)) {}
  // Builders; each returns *this so a schema reads as one declaration.
  Schema& Int(const std::string& name, int64_t def, int64_t min, int64_t max, const std::string& unit,
              const std::string& doc);
  Schema& Double(const std::string& name, double def, double min, double max, const std::string& unit,
                 const std::string& doc, bool min_exclusive = false);
  Schema& Bool(const std::string& name, bool def, const std::string& doc);
  Schema& String(const std::string& name, const std::string& def, const std::string& doc);
  Schema& Enum(const std::string& name, const std::string& def, std::vector<std::string> choices,
               const std::string& doc);
  // A list of hosts (see ValueType::kHostList); default: empty.
  Schema& HostList(const std::string& name, const std::string& doc);
  Schema& Required(const std::string& name, ValueType type, const std::string& doc,
                   std::vector<std::string> choices = {});
  // A number that is unset unless written (e.g. a stop threshold); read with Params::IsSet.
  Schema& OptionalDouble(const std::string& name, double min, double max, const std::string& unit,
                         const std::string& doc);

  const std::string& section() const { return section_; }
  const std::vector<KeySpec>& keys() const { return keys_; }
  const KeySpec* Find(const std::string& name) const;

 private:
  std::string section_;
  std::vector<KeySpec> keys_;
};

// One validated value. Exactly the member matching `type` is meaningful.
struct ParamValue {
  ValueType type = ValueType::kInt;
  int64_t i = 0;
  double d = 0.0;
  bool b = false;
  std::string s;
  bool unset = false;            // an optional key that was not given
  std::string ToString() const;  // YAML scalar text ("~" when unset)
};

class Params {
 public:
  int64_t GetInt(const std::string& key) const;
  double GetDouble(const std::string& key) const;  // also accepts an int key
  bool GetBool(const std::string& key) const;
  const std::string& GetString(const std::string& key) const;  // kString, kEnum or kHostList (its text)
  bool Has(const std::string& key) const { return values_.count(key) > 0; }
  // False for an optional key that was not given (reading its value is then a CHECK failure).
  bool IsSet(const std::string& key) const;
  // True when the user wrote the key (not filled from the default).
  bool IsExplicit(const std::string& key) const { return explicit_.count(key) > 0; }

  void Set(const std::string& key, ParamValue value, bool is_explicit);
  const std::map<std::string, ParamValue>& values() const { return values_; }

 private:
  const ParamValue& Get(const std::string& key) const;
  std::map<std::string, ParamValue> values_;
  std::map<std::string, bool> explicit_;
};

}  // namespace slaterl
