// core/endpoints.h — the ZeroMQ endpoints of one run (docs/runtime.md, "Processes").
//
// On one host every endpoint is ipc:// inside the run's socket directory (created 0700 by the
// launcher); the hosts backend uses tcp://ADDRESS:PORT of the host that binds each socket (bound
// as tcp://*:PORT, core/transport.h). Plain values.
#pragma once

#include <string>
#include <vector>

#include "core/hosts.h"

namespace slaterl {

struct RunEndpoints {
  std::string control;                    // launcher ROUTER ← every process's DEALER
  std::vector<std::string> shard_insert;  // shard k PULL ← actors a with a mod K == k (PUSH)
  std::vector<std::string> shard_sample;  // shard k ROUTER ← learner DEALER
  std::string weights_pub;                // learner PUB → actors, evaluator (SUB)
  std::string weights_request;            // learner ROUTER ← late joiners' DEALER (Hello → Weights)

  static RunEndpoints ForIpcDirectory(const std::string& dir, int num_shards) {
    RunEndpoints e;
    e.control = "ipc://" + dir + "/control";
    for (int k = 0; k < num_shards; ++k) {
      e.shard_insert.push_back("ipc://" + dir + "/shard-" + std::to_string(k) + "-insert");
      e.shard_sample.push_back("ipc://" + dir + "/shard-" + std::to_string(k) + "-sample");
    }
    e.weights_pub = "ipc://" + dir + "/weights";
    e.weights_request = "ipc://" + dir + "/weights-request";
    return e;
  }

  // backend hosts: ports from base_port (cluster.base_port's documentation), addresses from the
  // hosts that bind them.
  static RunEndpoints ForHosts(const std::string& launcher_address, const std::vector<HostSpec>& hosts,
                               int base_port) {
    const Placement placement = PlaceRoles(hosts);
    auto tcp = [](const std::string& address, int port) { return "tcp://" + address + ":" + std::to_string(port); };
    RunEndpoints e;
    e.control = tcp(launcher_address, base_port);
    const int shards = static_cast<int>(placement.shard_host.size());
    for (int k = 0; k < shards; ++k) {
      const std::string& address = hosts[static_cast<size_t>(placement.shard_host[static_cast<size_t>(k)])].address;
      e.shard_insert.push_back(tcp(address, base_port + 1 + 2 * k));
      e.shard_sample.push_back(tcp(address, base_port + 2 + 2 * k));
    }
    const std::string& learner = hosts[static_cast<size_t>(placement.learner_host)].address;
    e.weights_pub = tcp(learner, base_port + 1 + 2 * shards);
    e.weights_request = tcp(learner, base_port + 2 + 2 * shards);
    return e;
  }
};

}  // namespace slaterl
