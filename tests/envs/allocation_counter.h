// tests/envs/allocation_counter.h — the allocation counter of the tests/envs binary.
//
// lts_test.cc replaces the global operator new for the whole binary (keep it the only
// replacement in tests/envs) and counts every call; other test files of the binary read the count
// here to check that reset()/step()/act() allocate nothing. Thread-safe (an atomic counter).
#pragma once

#include <cstdint>

namespace slaterl {
namespace testing_envs {

// Number of global operator new calls (all forms) since the program started.
int64_t AllocationCount();

}  // namespace testing_envs
}  // namespace slaterl
