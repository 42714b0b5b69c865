// The baseline half of algos/registry.h (AlgoRegistry lives in algos/registry.cc).
#include <string>

#include "algos/baselines/baselines.h"
#include "algos/registry.h"

namespace slaterl {
namespace {

BaselineEntry Entry(const std::string& name, const std::string& summary) {
  return {name, summary,
          [name](const AlgoContext& ctx) { return MakeBaselinePolicy(name, ctx); }};
}

std::vector<BaselineEntry> MakeBaselines() {
  return {
      Entry("random", "k distinct candidate positions, uniformly at random"),
      Entry("random_md", "every slot independently uniform (duplicates possible)"),
      Entry("greedy", "myopic, observed features only (lts: highest clickbait first)"),
      Entry("oracle", "myopic, privileged (lts: = choc; topics: env fills -1 slots)"),
      Entry("choc", "lts: highest clickbait score first, descending"),
      Entry("kale", "lts: lowest clickbait score first, ascending"),
      Entry("first", "candidate positions 0..k-1"),
      Entry("oracle_eps", "topics: epsilon-greedy oracle, epsilon 0.5 (the GeMS logging policy)"),
  };
}

}  // namespace

const std::vector<BaselineEntry>& BaselineRegistry() {
  static const std::vector<BaselineEntry>* const kRegistry =
      new std::vector<BaselineEntry>(MakeBaselines());
  return *kRegistry;
}

Result<std::unique_ptr<Policy>> CreateBaseline(const std::string& name, const AlgoContext& ctx) {
  for (const BaselineEntry& entry : BaselineRegistry())
    if (entry.name == name) return entry.create(ctx);
  // MakeBaselinePolicy words the unknown-name error (with the valid names).
  return MakeBaselinePolicy(name, ctx);
}

}  // namespace slaterl
