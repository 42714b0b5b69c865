#include "core/hosts.h"

#include <yaml-cpp/yaml.h>

#include <set>

namespace slaterl {

Result<std::vector<HostSpec>> HostListFromYaml(const YAML::Node& node, const std::string& path) {
  std::vector<HostSpec> hosts;
  if (!node.IsDefined() || node.IsNull()) return hosts;
  if (!node.IsSequence()) return InvalidArgumentError(path + ": expected a list of {host: ..., actors: N, shards: N}");
  int learners = 0;
  std::set<std::string> names;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string at = path + "[" + std::to_string(i) + "]";
    const YAML::Node entry = node[i];
    if (!entry.IsMap()) return InvalidArgumentError(at + ": expected a mapping {host: ..., ...}");
    HostSpec h;
    try {
      for (const auto& kv : entry) {
        const std::string key = kv.first.as<std::string>();
        if (key == "host") h.host = kv.second.as<std::string>();
        else if (key == "address") h.address = kv.second.as<std::string>();
        else if (key == "actors") h.actors = kv.second.as<int>();
        else if (key == "shards") h.shards = kv.second.as<int>();
        else if (key == "learner") h.learner = kv.second.as<bool>();
        else
          return InvalidArgumentError(at + ": unknown key '" + key + "' (valid keys: host, address, actors, shards, learner)");
      }
    } catch (const YAML::Exception& e) {
      return InvalidArgumentError(at + ": " + e.msg);
    }
    if (h.host.empty()) return InvalidArgumentError(at + ".host: is required");
    if (h.host.find_first_of(" \t'\"") != std::string::npos)
      return InvalidArgumentError(at + ".host: no spaces or quotes: '" + h.host + "'");
    if (!names.insert(h.host).second) return InvalidArgumentError(at + ".host: '" + h.host + "' listed twice");
    if (h.address.empty()) h.address = h.host;
    if (h.actors < 0 || h.shards < 0) return InvalidArgumentError(at + ": actors and shards must be >= 0");
    learners += h.learner ? 1 : 0;
    hosts.push_back(h);
  }
  if (learners > 1) return InvalidArgumentError(path + ": `learner: true` on more than one host");
  if (!hosts.empty() && learners == 0) hosts.front().learner = true;
  return hosts;
}

Placement PlaceRoles(const std::vector<HostSpec>& hosts) {
  Placement p;
  for (size_t h = 0; h < hosts.size(); ++h) {
    for (int a = 0; a < hosts[h].actors; ++a) p.actor_host.push_back(static_cast<int>(h));
    for (int k = 0; k < hosts[h].shards; ++k) p.shard_host.push_back(static_cast<int>(h));
    if (hosts[h].learner) p.learner_host = static_cast<int>(h);
  }
  return p;
}

Result<std::vector<HostSpec>> ParseHostList(const std::string& text) {
  try {
    return HostListFromYaml(YAML::Load(text), "cluster.hosts");
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError("cluster.hosts: " + e.msg);
  }
}

std::string HostListText(const std::vector<HostSpec>& hosts) {
  YAML::Emitter out;
  out << YAML::Flow << YAML::BeginSeq;
  for (const HostSpec& h : hosts)
    out << YAML::BeginMap << YAML::Key << "host" << YAML::Value << h.host << YAML::Key << "address" << YAML::Value
        << h.address << YAML::Key << "actors" << YAML::Value << h.actors << YAML::Key << "shards" << YAML::Value
        << h.shards << YAML::Key << "learner" << YAML::Value << h.learner << YAML::EndMap;
  out << YAML::EndSeq;
  return out.c_str();
}

}  // namespace slaterl
