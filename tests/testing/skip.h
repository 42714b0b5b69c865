// Skipping a test that cannot run here (not root, no network namespaces, no Slurm daemons).
// Outside CI such a test is skipped with the reason; under CI=true the same path fails the test,
// because CI runs as root with every package these tests need (make test-deps), so there a skip
// can only mean something broke.
//
// Use it in a test body, like GTEST_SKIP; the reason may be a chain of `<<` operands:
//   if (::geteuid() != 0) SKIP_OR_FAIL_IN_CI("needs root for ip netns");
//   if (!ok) SKIP_OR_FAIL_IN_CI("could not create network namespaces: " << error);
// A test that may skip must be its own ctest entry (see the tests section of CMakeLists.txt).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

namespace slaterl {
namespace testing_util {

inline bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::strcmp(ci, "true") == 0;
}

}  // namespace testing_util
}  // namespace slaterl

// The switch guards against a dangling else when used as `if (c) SKIP_OR_FAIL_IN_CI(...); else`.
#define SKIP_OR_FAIL_IN_CI(reason)                                                               \
  switch (0)                                                                                     \
  case 0:                                                                                        \
  default:                                                                                       \
    if (::slaterl::testing_util::InCi())                                                         \
      GTEST_FAIL() << "CI=true, where a test that cannot run fails instead of skipping: " << reason; \
    else                                                                                         \
      GTEST_SKIP() << reason
