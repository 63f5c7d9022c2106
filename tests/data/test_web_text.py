"""FineWeb-Edu tokens (jaxdl/data/web_text.py) without the network: an unreachable Hub fails
fast with the fixes named; a fake Hub on localhost serves two parquet shards, whose documents
must come back as GPT-2 tokens split into val and train, then from the cache alone."""

import hashlib
import http.server
import io
import json
import threading
import time

import numpy as np
import pytest

from jaxdl.data import web_text
from jaxdl.errors import DataUnavailableError
from jaxdl.tasks import nanogpt
from testlib import load_config

tiktoken = pytest.importorskip("tiktoken")
pq = pytest.importorskip("pyarrow.parquet")

COMMIT = "0123456789abcdef" * 2 + "01234567"


@pytest.fixture
def offline_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXDL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("JAXDL_DATA_DIR", raising=False)
    return tmp_path / "cache"


def test_unreachable_hub_is_a_clear_error_within_seconds(offline_cache, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens: refused at once
    cfg = load_config("experiments/nanogpt/gpt2.py", "smoke,fineweb")
    start = time.perf_counter()
    with pytest.raises(DataUnavailableError, match="could not be reached.*JAXDL_DATA_DIR"):
        nanogpt.build_data(cfg)
    assert time.perf_counter() - start < 5


def _parquet(texts: list[str]) -> bytes:
    import pyarrow as pa

    out = io.BytesIO()
    pq.write_table(pa.table({"text": texts, "id": [str(i) for i in range(len(texts))]}), out)
    return out.getvalue()


def _serve(files: dict[str, bytes]):
    """A local stand-in for the Hub's API and file URLs; returns (endpoint, server)."""
    tree = [{"type": "file", "path": f"{web_text.FOLDER}/{name}", "size": len(data),
             "oid": "blob", "lfs": {"oid": hashlib.sha256(data).hexdigest(), "size": len(data)}}
            for name, data in files.items()]
    routes = {f"/api/datasets/{web_text.REPO}/revision/main": json.dumps({"sha": COMMIT}).encode(),
              f"/api/datasets/{web_text.REPO}/tree/{COMMIT}/{web_text.FOLDER}":
                  json.dumps(tree).encode()}
    for name, data in files.items():
        routes[f"/datasets/{web_text.REPO}/resolve/{COMMIT}/{web_text.FOLDER}/{name}"] = data

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def test_shards_become_val_then_train_tokens_and_are_cached(offline_cache, monkeypatch):
    from jaxdl.pretrained import tokenizer

    encoding = tokenizer.gpt2().backend
    docs = ["The cell divides in two.", "Water boils at 100 degrees Celsius at sea level.",
            "A prime has two divisors.", "Light travels fast.", "Plants need sunlight."]
    endpoint, server = _serve({"000_00000.parquet": _parquet(docs[:3]),
                               "001_00000.parquet": _parquet(docs[3:])})
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    stream = [t for doc in docs for t in [web_text.EOT, *encoding.encode_ordinary(doc)]]
    first_doc = 1 + len(encoding.encode_ordinary(docs[0]))
    try:
        train, val, meta = web_text.tokens(train_tokens=20, val_tokens=3, log=lambda _: None)
    finally:
        server.shutdown()
    assert val.dtype == train.dtype == np.uint16
    np.testing.assert_array_equal(val, stream[:first_doc])  # whole documents
    np.testing.assert_array_equal(train, stream[first_doc:first_doc + 20])  # cut at its size
    assert meta["commit"] == COMMIT and meta["val_chars"] == len(docs[0])
    assert not list((offline_cache / web_text.NAME / "shards").iterdir())  # shards deleted
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # now offline: the cache serves
    again, _, _ = web_text.tokens(train_tokens=20, val_tokens=3)
    np.testing.assert_array_equal(again, train)


def test_the_web_corpus_asks_for_the_gpt2_config():
    from jaxdl import config as config_lib
    from jaxdl.errors import ConfigError

    cfg = load_config("experiments/nanogpt/shakespeare_char.py", "smoke")
    cfg.data.corpus = web_text.NAME
    with pytest.raises(ConfigError, match="gpt2.py:fineweb"):
        config_lib.validate(cfg, nanogpt)
