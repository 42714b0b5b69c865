// core/hosts.h — `cluster.hosts`: where the roles of a `backend: hosts` run live (docs/multi-node.md).
//
//   cluster:
//     backend: hosts
//     hosts: [{host: n1, address: 10.0.0.1, shards: 1, learner: true},
//             {host: n2, actors: 8}, {host: n3, actors: 8}]
//
// Each entry: `host` (required: the name the exec template gets as {host}), `address` (how the
// other hosts reach it; default: the host name), `actors` and `shards` (how many of each it runs;
// default 0), `learner` (true on exactly one host: it runs the learner and the evaluator; default:
// the first host). Actors are numbered host by host in list order, shards likewise. Plain values.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace YAML {
class Node;
}

namespace slaterl {

struct HostSpec {
  std::string host;
  std::string address;
  int actors = 0;
  int shards = 0;
  bool learner = false;
};

// Which host (index into the list) runs each role.
struct Placement {
  std::vector<int> actor_host;  // actor a → host
  std::vector<int> shard_host;  // shard k → host
  int learner_host = 0;         // learner and evaluator
};
Placement PlaceRoles(const std::vector<HostSpec>& hosts);

// Validates a YAML list node; errors name `path`[i].key (the caller adds file and line).
Result<std::vector<HostSpec>> HostListFromYaml(const YAML::Node& node, const std::string& path);
// Parses the canonical text stored in Params (cluster.hosts).
Result<std::vector<HostSpec>> ParseHostList(const std::string& text);
// The canonical flow YAML of `hosts` (every field written out).
std::string HostListText(const std::vector<HostSpec>& hosts);

}  // namespace slaterl
