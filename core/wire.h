// core/wire.h — framing of messages: a fixed 16-byte header and a cereal binary payload.
//
// Header (little-endian): magic "SLRL" (4 bytes) | protocol version u16 | message type u16 |
// payload length u32 | reserved u32 (must be 0). Decode checks magic, version, type, that the
// payload length matches the frame, that the payload is at most kMaxPayloadBytes, and that the
// payload deserializes completely with every array length bounded by the bytes actually present.
// A message that fails any check yields a DataLoss/InvalidArgument Status — never an exception,
// never a huge allocation. Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/messages.h"
#include "core/status.h"

namespace slaterl {

// 2: Shutdown carries final_weights_version. Every process of a run must speak the same version.
constexpr uint16_t kProtocolVersion = 2;
constexpr size_t kHeaderBytes = 16;
constexpr size_t kMaxPayloadBytes = 256u << 20;  // 256 MiB

struct WireHeader {
  uint16_t version = 0;
  MessageType type = MessageType::kHello;
  uint32_t payload_bytes = 0;
};

// Encodes the header for a payload of `payload_bytes`.
std::string EncodeHeader(MessageType type, size_t payload_bytes);
// Parses and checks a header frame against the payload frame's actual size.
Result<WireHeader> DecodeHeader(const void* data, size_t size, size_t actual_payload_bytes);

// Payload of one message (explicitly instantiated for every type of core/messages.h).
template <typename M>
std::string EncodePayload(const M& message);
template <typename M>
Status DecodePayload(const void* data, size_t size, M* out);

// Both frames of one message.
struct EncodedMessage {
  std::string header;
  std::string payload;
};
template <typename M>
EncodedMessage Encode(const M& message) {
  EncodedMessage out;
  out.payload = EncodePayload(message);
  out.header = EncodeHeader(M::kType, out.payload.size());
  return out;
}

// Checks the header of (header, payload) and decodes the payload as M. The header must announce M.
template <typename M>
Status Decode(const void* header, size_t header_size, const void* payload, size_t payload_size,
              M* out) {
  Result<WireHeader> h = DecodeHeader(header, header_size, payload_size);
  if (!h.ok()) return h.status();
  if (h->type != M::kType)
    return InvalidArgumentError(std::string("expected a ") + MessageTypeName(M::kType) +
                                " message, got " + MessageTypeName(h->type));
  return DecodePayload(payload, payload_size, out);
}

// Hash (hex, 16 chars) used for config hashes in Hello and summary.json: FNV-1a 64.
std::string HashHex(const std::string& text);

}  // namespace slaterl
