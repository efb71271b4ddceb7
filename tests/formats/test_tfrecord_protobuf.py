"""Cross-check the hand-written `tf.train.Example` codec against Google's protobuf runtime.

The Example schema (tensorflow/core/example/{example,feature}.proto) is declared here as a descriptor, so the check
needs protobuf but not TensorFlow: our bytes must parse as an Example, and protobuf's bytes must decode with ours.
"""

from __future__ import annotations

from typing import Any

import pytest

from inspect_mlebench.formats.tfrecord import decode_example, encode_example

descriptor_pb2 = pytest.importorskip("google.protobuf.descriptor_pb2")
descriptor_pool = pytest.importorskip("google.protobuf.descriptor_pool")
message_factory = pytest.importorskip("google.protobuf.message_factory")


def _example_class() -> Any:
    field_type = descriptor_pb2.FieldDescriptorProto
    proto = descriptor_pb2.FileDescriptorProto(name="example_check.proto", package="check", syntax="proto3")

    def message(name: str, *fields: tuple[str, int, int, int, str]) -> Any:
        msg = proto.message_type.add(name=name)
        for field_name, number, type_, label, type_name in fields:
            field = msg.field.add(name=field_name, number=number, type=type_, label=label)
            if type_name:
                field.type_name = type_name
        return msg

    message("BytesList", ("value", 1, field_type.TYPE_BYTES, field_type.LABEL_REPEATED, ""))
    message("FloatList", ("value", 1, field_type.TYPE_FLOAT, field_type.LABEL_REPEATED, ""))
    message("Int64List", ("value", 1, field_type.TYPE_INT64, field_type.LABEL_REPEATED, ""))
    feature = message(
        "Feature",
        ("bytes_list", 1, field_type.TYPE_MESSAGE, field_type.LABEL_OPTIONAL, ".check.BytesList"),
        ("float_list", 2, field_type.TYPE_MESSAGE, field_type.LABEL_OPTIONAL, ".check.FloatList"),
        ("int64_list", 3, field_type.TYPE_MESSAGE, field_type.LABEL_OPTIONAL, ".check.Int64List"),
    )
    feature.oneof_decl.add(name="kind")
    for field in feature.field:
        field.oneof_index = 0
    features = message(
        "Features", ("feature", 1, field_type.TYPE_MESSAGE, field_type.LABEL_REPEATED, ".check.Features.FeatureEntry")
    )
    entry = features.nested_type.add(name="FeatureEntry")
    entry.field.add(name="key", number=1, type=field_type.TYPE_STRING, label=field_type.LABEL_OPTIONAL)
    entry.field.add(
        name="value",
        number=2,
        type=field_type.TYPE_MESSAGE,
        label=field_type.LABEL_OPTIONAL,
        type_name=".check.Feature",
    )
    entry.options.map_entry = True
    message("Example", ("features", 1, field_type.TYPE_MESSAGE, field_type.LABEL_OPTIONAL, ".check.Features"))

    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("check.Example"))


def test_our_encoding_parses_as_an_example() -> None:
    example_class = _example_class()
    parsed = example_class.FromString(
        encode_example({"image_name": "ISIC_1", "target": -2, "ints": [1, 300], "score": 0.25, "imgs": [b"a", b"b"]})
    )
    feature = parsed.features.feature
    assert list(feature["image_name"].bytes_list.value) == [b"ISIC_1"]
    assert list(feature["target"].int64_list.value) == [-2]
    assert list(feature["ints"].int64_list.value) == [1, 300]
    assert list(feature["score"].float_list.value) == [0.25]
    assert list(feature["imgs"].bytes_list.value) == [b"a", b"b"]


def test_protobuf_encoding_decodes_with_ours() -> None:
    example_class = _example_class()
    example = example_class()
    feature = example.features.feature
    feature["image_name"].bytes_list.value.append(b"ISIC_2")
    feature["target"].int64_list.value.extend([1, -(2**63)])
    feature["score"].float_list.value.extend([1.5, -0.5])
    assert decode_example(example.SerializeToString()) == {
        "image_name": [b"ISIC_2"],
        "target": [1, -(2**63)],
        "score": [1.5, -0.5],
    }
