#!/usr/bin/env python3
"""Writes a small seed corpus for safetensors_header_fuzz into the folder given as argument.

Seeds are generated (not stored in git): a few well-formed files in the shapes SDXL checkpoints
use, and one of each malformation the parser must reject.
"""
import json
import struct
import sys
from pathlib import Path


def file_bytes(header, data=b"", length=None):
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def tensor(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    seeds = {
        "valid_basic": file_bytes(
            {"__metadata__": {"format": "pt"},
             "a.weight": tensor("F32", [2, 2], 0, 16),
             "b.bias": tensor("F16", [4], 16, 24),
             "c": tensor("BF16", [1, 2, 1, 1], 24, 28)},
            bytes(28)),
        "valid_sdxl_names": file_bytes(
            {"model.diffusion_model.input_blocks.0.0.weight": tensor("F16", [4, 1, 1, 1], 0, 8),
             "conditioner.embedders.0.transformer.text_model.embeddings.position_ids":
                 tensor("I64", [1, 3], 8, 32),
             "conditioner.embedders.1.model.logit_scale": tensor("F32", [], 32, 36),
             "first_stage_model.post_quant_conv.weight": tensor("F16", [0, 4], 36, 36)},
            bytes(36)),
        "valid_empty": file_bytes({}),
        "len_past_eof": file_bytes({"a": tensor("F32", [1], 0, 4)}, bytes(4), length=1000),
        "len_huge": file_bytes({}, length=2**63),
        "bad_json": struct.pack("<Q", 8) + b'{"a":{"d',
        "not_object": file_bytes([1, 2, 3]),
        "outside": file_bytes({"a": tensor("F32", [4], 0, 16)}, bytes(8)),
        "overlap": file_bytes({"a": tensor("F32", [2], 0, 8), "b": tensor("F32", [2], 4, 12)},
                              bytes(12)),
        "size_mismatch": file_bytes({"a": tensor("F16", [3], 0, 8)}, bytes(8)),
        "unknown_dtype": file_bytes({"a": tensor("Q4", [2], 0, 1)}, bytes(1)),
        "duplicate": struct.pack("<Q", 104) +
                     (b'{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
                      b'"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}').ljust(104) + bytes(2),
        "deep": file_bytes({"a": {"b": {"c": {"d": []}}}}),
        "metadata_number": file_bytes({"__metadata__": {"k": 1}}),
        "negative_dim": file_bytes({"a": tensor("F32", [-1], 0, 0)}),
        # 2^32 x 2^32 x 4 bytes wraps a 64-bit product to 0 (a bug the unit tests caught).
        "size_overflow": file_bytes({"a": tensor("F32", [2**32, 2**32], 0, 0)}),
    }
    for name, data in seeds.items():
        (out / name).write_bytes(data)
    print(f"wrote {len(seeds)} seeds to {out}")


if __name__ == "__main__":
    main()
