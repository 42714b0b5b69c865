#include "core/wire.h"

#include <cereal/archives/binary.hpp>
#include <cstring>
#include <istream>
#include <sstream>
#include <streambuf>

namespace slaterl {

const char* MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kHello: return "Hello";
    case MessageType::kFragment: return "Fragment";
    case MessageType::kSampleRequest: return "SampleRequest";
    case MessageType::kSampleBatch: return "SampleBatch";
    case MessageType::kWeights: return "Weights";
    case MessageType::kStats: return "Stats";
    case MessageType::kHeartbeat: return "Heartbeat";
    case MessageType::kShutdown: return "Shutdown";
  }
  return "Unknown";
}

namespace {

constexpr char kMagic[4] = {'S', 'L', 'R', 'L'};

void PutU16(char* p, uint16_t v) { p[0] = char(v & 0xff); p[1] = char(v >> 8); }
void PutU32(char* p, uint32_t v) { for (int i = 0; i < 4; ++i) p[i] = char((v >> (8 * i)) & 0xff); }
uint16_t GetU16(const unsigned char* p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t GetU32(const unsigned char* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24);
}

// Read-only streambuf over a byte range (no copy of the payload).
class MemoryBuffer : public std::streambuf {
 public:
  MemoryBuffer(const char* data, size_t size) {
    char* p = const_cast<char*>(data);
    setg(p, p, p + size);
  }
  size_t consumed() const { return static_cast<size_t>(gptr() - eback()); }
};

// Bytes still allowed to be claimed by array lengths in the payload being decoded.
thread_local size_t t_decode_budget = 0;

struct DecodeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Arrays and strings are length-prefixed (u64) raw bytes. Loading rejects a length that claims
// more bytes than the payload holds before allocating anything.
template <class Archive, class T>
void SaveArray(Archive& ar, const std::vector<T>& v) {
  static_assert(std::is_arithmetic<T>::value, "arrays of arithmetic types only");
  const uint64_t n = v.size();
  ar(n);
  if (n) ar(cereal::binary_data(v.data(), n * sizeof(T)));
}
template <class Archive, class T>
void LoadArray(Archive& ar, std::vector<T>& v) {
  uint64_t n = 0;
  ar(n);
  if (n > t_decode_budget / sizeof(T)) throw DecodeError("array length exceeds the payload");
  t_decode_budget -= n * sizeof(T);
  v.resize(n);
  if (n) ar(cereal::binary_data(v.data(), n * sizeof(T)));
}
template <class Archive>
void SaveString(Archive& ar, const std::string& s) {
  const uint64_t n = s.size();
  ar(n);
  if (n) ar(cereal::binary_data(s.data(), n));
}
template <class Archive>
void LoadString(Archive& ar, std::string& s) {
  uint64_t n = 0;
  ar(n);
  if (n > t_decode_budget) throw DecodeError("string length exceeds the payload");
  t_decode_budget -= n;
  s.resize(n);
  if (n) ar(cereal::binary_data(&s[0], n));
}
uint64_t CheckedCount(uint64_t n, size_t min_bytes_each) {
  if (n > t_decode_budget / min_bytes_each) throw DecodeError("element count exceeds the payload");
  return n;
}

using Out = cereal::BinaryOutputArchive;
using In = cereal::BinaryInputArchive;

// One Serialize(ar, msg, is_loading) per message; arrays/strings go through the helpers above.
// The archive type picks saving or loading.
inline void Str(Out& ar, std::string& s) { SaveString(ar, s); }
inline void Str(In& ar, std::string& s) { LoadString(ar, s); }
template <class T> void Arr(Out& ar, std::vector<T>& v) { SaveArray(ar, v); }
template <class T> void Arr(In& ar, std::vector<T>& v) { LoadArray(ar, v); }
#define SLATERL_STR(field) Str(ar, m.field)
#define SLATERL_ARR(field) Arr(ar, m.field)


template <class A> void Fields(A& ar, Hello& m, bool loading) {
  SLATERL_STR(role);
  ar(m.id, m.incarnation, m.protocol_version);
  SLATERL_STR(config_hash);
  ar(m.pid);
}
template <class A> void Fields(A& ar, Fragment& m, bool loading) {
  ar(m.actor_id, m.incarnation, m.sequence, m.policy_version, m.item_size, m.num_items, m.env_steps,
     m.episodes);
  SLATERL_ARR(data);
}
template <class A> void Fields(A& ar, SampleRequest& m, bool loading) {
  ar(m.request_id);
  SLATERL_STR(table);
  ar(m.batch_size);
  SLATERL_ARR(priority_keys);
  SLATERL_ARR(priorities);
  ar(m.checkpoint_step);
}
template <class A> void Fields(A& ar, SampleBatch& m, bool loading) {
  ar(m.request_id);
  SLATERL_STR(table);
  ar(m.shard_id, m.item_size, m.num_items);
  SLATERL_ARR(keys);
  SLATERL_ARR(probabilities);
  SLATERL_ARR(data);
  ar(m.shard_env_steps, m.shard_episodes, m.table_size);
}
template <class A> void Fields(A& ar, WeightTensor& m, bool loading) {
  SLATERL_STR(name);
  SLATERL_ARR(shape);
  SLATERL_ARR(data);
}
template <class A> void Fields(A& ar, Weights& m, bool loading) {
  ar(m.version, m.timesteps_total, m.episodes_total);
  uint64_t n = m.tensors.size();
  ar(n);
  if (loading) m.tensors.resize(CheckedCount(n, 24));
  for (auto& tensor : m.tensors) Fields(ar, tensor, loading);
}
void Fields(Out& ar, Stats& m, bool) {
  SLATERL_STR(role);
  ar(m.id);
  uint64_t n = m.scalars.size();
  ar(n);
  for (auto& kv : m.scalars) {
    SaveString(ar, kv.first);
    ar(kv.second);
  }
  n = m.lists.size();
  ar(n);
  for (auto& kv : m.lists) {
    SaveString(ar, kv.first);
    SaveArray(ar, kv.second);
  }
}
void Fields(In& ar, Stats& m, bool) {
  SLATERL_STR(role);
  ar(m.id);
  uint64_t n = 0;
  ar(n);
  m.scalars.clear();
  for (uint64_t i = 0, c = CheckedCount(n, 16); i < c; ++i) {
    std::string key;
    double value = 0;
    LoadString(ar, key);
    ar(value);
    m.scalars[key] = value;
  }
  ar(n);
  m.lists.clear();
  for (uint64_t i = 0, c = CheckedCount(n, 16); i < c; ++i) {
    std::string key;
    LoadString(ar, key);
    LoadArray(ar, m.lists[key]);
  }
}
template <class A> void Fields(A& ar, Heartbeat& m, bool) { ar(m.sequence); }
template <class A> void Fields(A& ar, Shutdown& m, bool loading) {
  SLATERL_STR(reason);
  ar(m.final_weights_version);
}

#undef SLATERL_STR
#undef SLATERL_ARR

}  // namespace

std::string EncodeHeader(MessageType type, size_t payload_bytes) {
  std::string h(kHeaderBytes, '\0');
  std::memcpy(&h[0], kMagic, 4);
  PutU16(&h[4], kProtocolVersion);
  PutU16(&h[6], static_cast<uint16_t>(type));
  PutU32(&h[8], static_cast<uint32_t>(payload_bytes));
  PutU32(&h[12], 0);
  return h;
}

Result<WireHeader> DecodeHeader(const void* data, size_t size, size_t actual_payload_bytes) {
  if (size != kHeaderBytes)
    return DataLossError("header frame is " + std::to_string(size) + " bytes, expected 16");
  const auto* p = static_cast<const unsigned char*>(data);
  if (std::memcmp(p, kMagic, 4) != 0) return DataLossError("bad magic (not a slaterl message)");
  WireHeader h;
  h.version = GetU16(p + 4);
  if (h.version != kProtocolVersion)
    return InvalidArgumentError("protocol version " + std::to_string(h.version) + ", expected " +
                                std::to_string(kProtocolVersion));
  const uint16_t type = GetU16(p + 6);
  if (type < 1 || type > kNumMessageTypes)
    return DataLossError("unknown message type " + std::to_string(type));
  h.type = static_cast<MessageType>(type);
  h.payload_bytes = GetU32(p + 8);
  if (GetU32(p + 12) != 0) return DataLossError("reserved header bytes are not zero");
  if (h.payload_bytes > kMaxPayloadBytes)
    return ResourceExhaustedError("payload of " + std::to_string(h.payload_bytes) +
                                  " bytes exceeds the limit");
  if (h.payload_bytes != actual_payload_bytes)
    return DataLossError("header announces " + std::to_string(h.payload_bytes) +
                         " payload bytes, frame has " + std::to_string(actual_payload_bytes));
  return h;
}

template <typename M>
std::string EncodePayload(const M& message) {
  std::ostringstream out(std::ios::binary);
  {
    Out ar(out);
    Fields(ar, const_cast<M&>(message), /*loading=*/false);
  }
  return out.str();
}

template <typename M>
Status DecodePayload(const void* data, size_t size, M* out) {
  if (size > kMaxPayloadBytes) return ResourceExhaustedError("payload too large");
  MemoryBuffer buffer(static_cast<const char*>(data), size);
  std::istream in(&buffer);
  M decoded;
  t_decode_budget = size;
  try {
    In ar(in);
    Fields(ar, decoded, /*loading=*/true);
  } catch (const std::exception& e) {
    return DataLossError(std::string("malformed ") + MessageTypeName(M::kType) + " payload: " + e.what());
  }
  if (buffer.consumed() != size)
    return DataLossError(std::string("malformed ") + MessageTypeName(M::kType) + " payload: " +
                         std::to_string(size - buffer.consumed()) + " trailing bytes");
  *out = std::move(decoded);
  return Status::Ok();
}

#define SLATERL_INSTANTIATE(M)                                  \
  template std::string EncodePayload<M>(const M&);              \
  template Status DecodePayload<M>(const void*, size_t, M*);
SLATERL_INSTANTIATE(Hello)
SLATERL_INSTANTIATE(Fragment)
SLATERL_INSTANTIATE(SampleRequest)
SLATERL_INSTANTIATE(SampleBatch)
SLATERL_INSTANTIATE(Weights)
SLATERL_INSTANTIATE(Stats)
SLATERL_INSTANTIATE(Heartbeat)
SLATERL_INSTANTIATE(Shutdown)
#undef SLATERL_INSTANTIATE

std::string HashHex(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace slaterl
