#include "core/state_archive.h"

#include <cstring>

namespace slaterl {
namespace {

constexpr char kMagic[8] = {'S', 'L', 'R', 'S', 'T', 'A', 'T', '1'};
constexpr size_t kRngWords = 6;  // s[4], cached normal bits, has_cached flag

const char* TypeName(uint8_t type) {
  switch (type) {
    case 1: return "int64";
    case 2: return "uint64";
    case 3: return "int32";
    case 4: return "float64";
    case 5: return "float32";
    case 6: return "uint8";
    case 7: return "bytes";
    case 8: return "rng";
    default: return "unknown";
  }
}

void PackRng(const Rng& rng, uint64_t* words) {
  const Rng::State state = rng.GetState();
  for (int i = 0; i < 4; ++i) words[i] = state.s[i];
  std::memcpy(&words[4], &state.cached_normal, sizeof(double));
  words[5] = state.has_cached_normal ? 1 : 0;
}

void UnpackRng(const uint64_t* words, Rng* rng) {
  Rng::State state;
  for (int i = 0; i < 4; ++i) state.s[i] = words[i];
  std::memcpy(&state.cached_normal, &words[4], sizeof(double));
  state.has_cached_normal = words[5] != 0;
  rng->SetState(state);
}

}  // namespace

StateArchive::StateArchive(bool loading, std::string bytes) : loading_(loading), bytes_(std::move(bytes)) {}

StateArchive StateArchive::ForSaving() { return StateArchive(false, std::string(kMagic, sizeof(kMagic))); }

Result<StateArchive> StateArchive::ForLoading(std::string bytes) {
  if (bytes.size() < sizeof(kMagic) || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
    return DataLossError("not a slaterl state snapshot (magic SLRSTAT1 missing)");
  StateArchive archive(true, std::move(bytes));
  archive.read_pos_ = sizeof(kMagic);
  return archive;
}

StateArchive::Scope::Scope(StateArchive& archive, const std::string& name)
    : archive_(archive), previous_size_(archive.prefix_.size()) {
  archive_.prefix_ += name + "/";
}

StateArchive::Scope::~Scope() { archive_.prefix_.resize(previous_size_); }

void StateArchive::Fail(const std::string& message) {
  if (status_.ok()) status_ = DataLossError("state snapshot: " + message);
}

Status StateArchive::CheckFullyRead() const {
  if (!status_.ok()) return status_;
  if (loading_ && read_pos_ != bytes_.size())
    return DataLossError("state snapshot: " + std::to_string(bytes_.size() - read_pos_) +
                         " bytes of fields this build does not read (a snapshot of another version?)");
  return Status::Ok();
}

void StateArchive::Write(const std::string& name, Type type, const void* data, uint64_t count,
                         size_t element_bytes) {
  const std::string full = prefix_ + name;
  const uint16_t name_length = static_cast<uint16_t>(full.size());
  bytes_.append(reinterpret_cast<const char*>(&name_length), sizeof(name_length));
  bytes_.append(full);
  bytes_.push_back(static_cast<char>(type));
  bytes_.append(reinterpret_cast<const char*>(&count), sizeof(count));
  if (count > 0) bytes_.append(static_cast<const char*>(data), count * element_bytes);
}

int64_t StateArchive::ReadHeader(const std::string& name, Type type, size_t element_bytes) {
  if (!status_.ok()) return -1;
  const std::string full = prefix_ + name;
  uint16_t name_length = 0;
  if (read_pos_ + sizeof(name_length) > bytes_.size()) {
    Fail("ends before field '" + full + "' (truncated, or from another version)");
    return -1;
  }
  std::memcpy(&name_length, bytes_.data() + read_pos_, sizeof(name_length));
  read_pos_ += sizeof(name_length);
  if (read_pos_ + name_length + 1 + sizeof(uint64_t) > bytes_.size()) {
    Fail("ends inside the header of field '" + full + "'");
    return -1;
  }
  const std::string stored(bytes_.data() + read_pos_, name_length);
  read_pos_ += name_length;
  const uint8_t stored_type = static_cast<uint8_t>(bytes_[read_pos_++]);
  uint64_t count = 0;
  std::memcpy(&count, bytes_.data() + read_pos_, sizeof(count));
  read_pos_ += sizeof(count);
  if (stored != full) {
    Fail("expected field '" + full + "', found '" + stored + "' (a snapshot of another configuration or version)");
    return -1;
  }
  if (stored_type != type) {
    Fail("field '" + full + "' is " + TypeName(stored_type) + ", expected " + TypeName(type));
    return -1;
  }
  if (count > (bytes_.size() - read_pos_) / element_bytes) {
    Fail("field '" + full + "' claims " + std::to_string(count) + " values, more than the snapshot holds");
    return -1;
  }
  return static_cast<int64_t>(count);
}

void StateArchive::ReadPayload(void* data, uint64_t count, size_t element_bytes) {
  if (count > 0) std::memcpy(data, bytes_.data() + read_pos_, count * element_bytes);
  read_pos_ += count * element_bytes;
}

template <typename T>
void StateArchive::Scalar(const std::string& name, Type type, T& value) {
  if (!loading_) return Write(name, type, &value, 1, sizeof(T));
  const int64_t count = ReadHeader(name, type, sizeof(T));
  if (count < 0) return;
  if (count != 1) return Fail("field '" + prefix_ + name + "' holds " + std::to_string(count) + " values, expected 1");
  ReadPayload(&value, 1, sizeof(T));
}

template <typename T>
void StateArchive::Vector(const std::string& name, Type type, std::vector<T>& values) {
  if (!loading_) return Write(name, type, values.data(), values.size(), sizeof(T));
  const int64_t count = ReadHeader(name, type, sizeof(T));
  if (count < 0) return;
  if (!values.empty() && static_cast<size_t>(count) != values.size())
    return Fail("field '" + prefix_ + name + "' holds " + std::to_string(count) + " values, this run has " +
                std::to_string(values.size()) + " (a snapshot of another configuration?)");
  values.resize(static_cast<size_t>(count));
  ReadPayload(values.data(), static_cast<uint64_t>(count), sizeof(T));
}

void StateArchive::Field(const std::string& name, int64_t& value) { Scalar(name, kI64, value); }
void StateArchive::Field(const std::string& name, uint64_t& value) { Scalar(name, kU64, value); }
void StateArchive::Field(const std::string& name, int32_t& value) { Scalar(name, kI32, value); }
void StateArchive::Field(const std::string& name, double& value) { Scalar(name, kF64, value); }
void StateArchive::Field(const std::string& name, float& value) { Scalar(name, kF32, value); }
void StateArchive::Field(const std::string& name, bool& value) {
  uint8_t byte = value ? 1 : 0;
  Scalar(name, kU8, byte);
  value = byte != 0;
}
void StateArchive::Field(const std::string& name, std::vector<float>& values) { Vector(name, kF32, values); }
void StateArchive::Field(const std::string& name, std::vector<double>& values) { Vector(name, kF64, values); }
void StateArchive::Field(const std::string& name, std::vector<int32_t>& values) { Vector(name, kI32, values); }
void StateArchive::Field(const std::string& name, std::vector<int64_t>& values) { Vector(name, kI64, values); }
void StateArchive::Field(const std::string& name, std::vector<uint64_t>& values) { Vector(name, kU64, values); }
void StateArchive::Field(const std::string& name, std::vector<uint8_t>& values) { Vector(name, kU8, values); }

void StateArchive::Field(const std::string& name, std::string& bytes) {
  if (!loading_) return Write(name, kBytes, bytes.data(), bytes.size(), 1);
  const int64_t count = ReadHeader(name, kBytes, 1);
  if (count < 0) return;
  bytes.assign(bytes_.data() + read_pos_, static_cast<size_t>(count));
  read_pos_ += static_cast<size_t>(count);
}

void StateArchive::Field(const std::string& name, Rng& rng) {
  uint64_t words[kRngWords];
  if (!loading_) {
    PackRng(rng, words);
    return Write(name, kRng, words, kRngWords, sizeof(uint64_t));
  }
  const int64_t count = ReadHeader(name, kRng, sizeof(uint64_t));
  if (count < 0) return;
  if (count != static_cast<int64_t>(kRngWords))
    return Fail("field '" + prefix_ + name + "' is not one generator state");
  ReadPayload(words, kRngWords, sizeof(uint64_t));
  UnpackRng(words, &rng);
}

void StateArchive::Field(const std::string& name, std::vector<Rng>& rngs) {
  std::vector<uint64_t> words(rngs.size() * kRngWords);
  if (!loading_) {
    for (size_t i = 0; i < rngs.size(); ++i) PackRng(rngs[i], &words[i * kRngWords]);
    return Write(name, kRng, words.data(), words.size(), sizeof(uint64_t));
  }
  const int64_t count = ReadHeader(name, kRng, sizeof(uint64_t));
  if (count < 0) return;
  if (count % static_cast<int64_t>(kRngWords) != 0 ||
      (!rngs.empty() && static_cast<size_t>(count) != words.size()))
    return Fail("field '" + prefix_ + name + "' holds " + std::to_string(count / kRngWords) +
                " generator states, this run has " + std::to_string(rngs.size()));
  words.resize(static_cast<size_t>(count));
  ReadPayload(words.data(), static_cast<uint64_t>(count), sizeof(uint64_t));
  rngs.resize(words.size() / kRngWords);
  for (size_t i = 0; i < rngs.size(); ++i) UnpackRng(&words[i * kRngWords], &rngs[i]);
}

void StateArchive::Field(const std::string& name, std::map<std::string, double>& values) {
  std::string keys;
  std::vector<double> numbers;
  if (!loading_) {
    for (const auto& kv : values) {
      keys += kv.first;
      keys.push_back('\0');
      numbers.push_back(kv.second);
    }
  }
  Field(name + ".keys", keys);
  Field(name + ".values", numbers);
  if (!loading_ || !status_.ok()) return;
  std::map<std::string, double> loaded;
  size_t start = 0, index = 0;
  for (size_t end = keys.find('\0'); end != std::string::npos; end = keys.find('\0', start), ++index) {
    if (index >= numbers.size()) return Fail("field '" + prefix_ + name + "' has more keys than values");
    loaded[keys.substr(start, end - start)] = numbers[index];
    start = end + 1;
  }
  if (index != numbers.size() || start != keys.size())
    return Fail("field '" + prefix_ + name + "' has " + std::to_string(index) + " keys for " +
                std::to_string(numbers.size()) + " values");
  values = std::move(loaded);
}

}  // namespace slaterl
