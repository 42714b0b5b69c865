// core/endpoints.h — the ZeroMQ endpoints of one run (DESIGN.md "Processes and data flow").
//
// On one host every endpoint is ipc:// inside the run's socket directory (created 0700 by the
// launcher); the hosts backend (later) fills tcp:// addresses instead. Plain values.
#pragma once

#include <string>
#include <vector>

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
};

}  // namespace slaterl
