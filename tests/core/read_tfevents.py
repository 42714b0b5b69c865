#!/usr/bin/python3
"""Independent reader of TensorBoard event files, for tests/core/tensorboard_test.cc and
tests/tune/report_test.cc.

Decodes the TFRecord framing, checks both masked CRC-32Cs of every record with its own CRC-32C
(pure Python, reflected polynomial 0x82F63B78), parses each record as a tensorflow.Event with
python3-protobuf (Debian), using message types built at run time from a descriptor that mirrors
tensorboard/compat/proto/{event,summary}.proto (the fields slaterl writes, with their oneofs),
and checks that re-serialising the message gives back the record's exact bytes.

Prints one line per record:  `file_version <wall_time> <text>`  or
`scalar <wall_time> <step> <tag> <value>` (one line per Summary.value). Exit code 1 on any
framing, CRC or parse error (message on stderr).
"""
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


def event_class():
    fdp = descriptor_pb2.FileDescriptorProto(name="slaterl_tb_subset.proto", package="tensorboard", syntax="proto3")
    summary = fdp.message_type.add(name="Summary")
    value = summary.nested_type.add(name="Value")
    value.oneof_decl.add(name="value")
    value.field.add(name="tag", number=1, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL)
    value.field.add(name="simple_value", number=2, type=F.TYPE_FLOAT, label=F.LABEL_OPTIONAL, oneof_index=0)
    summary.field.add(name="value", number=1, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                      type_name=".tensorboard.Summary.Value")
    event = fdp.message_type.add(name="Event")
    event.oneof_decl.add(name="what")
    event.field.add(name="wall_time", number=1, type=F.TYPE_DOUBLE, label=F.LABEL_OPTIONAL)
    event.field.add(name="step", number=2, type=F.TYPE_INT64, label=F.LABEL_OPTIONAL)
    event.field.add(name="file_version", number=3, type=F.TYPE_STRING, label=F.LABEL_OPTIONAL, oneof_index=0)
    event.field.add(name="summary", number=5, type=F.TYPE_MESSAGE, label=F.LABEL_OPTIONAL, oneof_index=0,
                    type_name=".tensorboard.Summary")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    descriptor = pool.FindMessageTypeByName("tensorboard.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def _table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked(c):
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def main(path):
    assert crc32c(b"123456789") == 0xE3069283
    Event = event_class()
    data = open(path, "rb").read()
    pos, n = 0, 0
    while pos < len(data):
        if pos + 12 > len(data):
            raise SystemExit("record %d: truncated header" % n)
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        if header_crc != masked(crc32c(header)):
            raise SystemExit("record %d: length CRC mismatch" % n)
        body = data[pos + 12:pos + 12 + length]
        if len(body) != length or pos + 16 + length > len(data):
            raise SystemExit("record %d: truncated data" % n)
        (body_crc,) = struct.unpack("<I", data[pos + 12 + length:pos + 16 + length])
        if body_crc != masked(crc32c(body)):
            raise SystemExit("record %d: data CRC mismatch" % n)
        event = Event()
        event.ParseFromString(body)
        if event.SerializeToString() != body:
            raise SystemExit("record %d: not a canonical Event encoding" % n)
        kind = event.WhichOneof("what")
        if kind == "file_version":
            print("file_version %r %s" % (event.wall_time, event.file_version))
        elif kind == "summary":
            for v in event.summary.value:
                print("scalar %r %d %s %r" % (event.wall_time, event.step, v.tag, v.simple_value))
        else:
            raise SystemExit("record %d: neither file_version nor summary" % n)
        pos += 16 + length
        n += 1


if __name__ == "__main__":
    main(sys.argv[1])
