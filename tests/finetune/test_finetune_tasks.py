"""The classify and instruct topics on tiny random models of the pretrained architectures:
padding, frozen parameters, loss positions, resume, wrong-model checkpoints."""

import json
import re

import jax
import numpy as np
import pytest
from flax import nnx

from jaxdl import checkpoint, optim, state as state_lib, step as step_lib, train
from jaxdl.data import finetune_text
from jaxdl.errors import UserError
from jaxdl.nn import freezing
from jaxdl.tasks import classify, frozen_cache, instruct, lm_finetune
from testlib import SigtermAtBatch, has_data_file, load_config

SPAM = "experiments/finetune/spam.py"
needs_sms = pytest.mark.skipif(not has_data_file("SMSSpamCollection"),
                               reason="needs SMSSpamCollection in $JAXDL_DATA_DIR")


class Spec:
    num_classes = 2


def classifier(arg, **model):
    cfg = load_config(SPAM, arg)
    cfg.model.update(model)
    return cfg, classify.build_model(cfg, Spec(), nnx.Rngs(0))


@pytest.mark.parametrize("model", [dict(base="tiny-llama", pool="last"),
                                   dict(base="tiny-llama", pool="first"),
                                   dict(base="tiny-bert", pool="mean")])
def test_padding_never_changes_a_prediction(model):
    cfg, model = classifier("tiny", **model)
    rows = classify.encode(cfg, ["Free entry! Text WIN to 80086 now", "ok see you"])
    make = classify.collate(lm_finetune.ByteTokenizer.pad, cfg.data.pad_multiple)
    together = make([(r, 0, 1.0) for r in rows])
    run = nnx.jit(lambda m, b: m(b["ids"], b["valid"]))
    both = run(model, together)
    assert together["ids"].shape[1] > len(rows[1])  # the short message is padded
    for i, r in enumerate(rows):
        alone = run(model, make([(r, 0, 1.0)]))
        np.testing.assert_allclose(alone[0], both[i], atol=1e-5)


def test_a_step_changes_only_the_trainable_parameters():
    cfg, model = classifier("tiny,last_block")
    tx = lm_finetune.build_optimizer(cfg)
    graphdef, state = state_lib.create(model, tx, 0)
    batch = classify.collate(256, 16)([(list(b"hello there"), 1, 1.0), (list(b"win cash"), 0, 1.0)])
    new, metrics = jax.jit(step_lib.pure_train_step(graphdef, classify.loss_fn, tx))(state, batch)
    pattern = lm_finetune.resolve(cfg.finetune.trainable, freezing.named_params(model))
    assert pattern.startswith("^backbone/blocks/1/")
    flat = lambda s: {optim.param_path(p): np.asarray(v)
                      for p, v in jax.tree_util.tree_flatten_with_path(s.params)[0]}
    before, after = flat(state), flat(new)
    trained = [name for name in before if re.search(pattern, name)]
    assert 5 <= len(trained) < len(before)
    for name in before:
        same = np.array_equal(before[name], after[name])
        assert same == (name not in trained), name


def test_only_response_positions_count_when_the_prompt_is_masked():
    cfg = load_config("experiments/finetune/instruct.py", "tiny,mask_prompt")
    entry = {"instruction": "Reverse 'abc'.", "input": "", "output": "cba"}
    ids, counted = instruct.example(cfg, entry)
    assert sum(counted) == len("cba") + 1  # the answer's bytes and the end of text
    short = {"instruction": "Hi", "input": "", "output": "yo"}
    batch = instruct.collate(256, 64)([(ids, counted), instruct.example(cfg, short)])
    model = instruct.build_model(cfg, None, nnx.Rngs(0))
    loss = nnx.jit(lambda m, b: instruct.loss_fn(m, b, jax.random.key(0))[0])
    base = float(loss(model, batch))
    changed = {k: v.copy() for k, v in batch.items()}
    changed["targets"][batch["mask"] == 0] = 7  # prompt and padding targets
    assert float(loss(model, changed)) == pytest.approx(base, abs=1e-6)
    changed["targets"][0, len(counted) - 1] = 7  # the end-of-text target of row 0
    assert float(loss(model, changed)) != pytest.approx(base, abs=1e-4)
    # the same mean recomputed in NumPy from the logits
    logits = np.asarray(nnx.jit(lambda m, x: m(x))(model, batch["inputs"]), np.float64)
    logp = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) \
        - logits.max(-1, keepdims=True)
    nll = -np.take_along_axis(logp, batch["targets"][..., None], -1)[..., 0]
    assert base == pytest.approx((nll * batch["mask"]).sum() / batch["mask"].sum(), rel=1e-5)


@pytest.mark.slow  # CI time: the loop's kill/resume is tested on nanoGPT in test_train.py
@needs_sms
def test_resume_equals_a_straight_run_and_a_wrong_model_is_refused(tmp_path):
    cfg = load_config(SPAM, "tiny,lora,smoke")
    cfg.data.update(max_length=16, eval_batch_size=160)
    cfg.train.update(steps=4, eval_every=4, log_every=2)
    cfg.finetune.lora_rank = 2
    one = jax.devices()[:1]
    straight = train.fit(cfg, tmp_path / "straight", classify, devices=one)
    train.fit(cfg, tmp_path / "resumed", SigtermAtBatch(classify, 2), devices=one)
    assert sorted(int(p.name) for p in (tmp_path / "resumed/checkpoints").iterdir()) == [2]
    resumed = train.fit(cfg, tmp_path / "resumed", classify, devices=one)
    assert resumed == straight  # bitwise: same floats
    # the adapter and head alone, put into a freshly built model, give the checkpoint's logits
    folder = lm_finetune.save_trainable(tmp_path / "straight", classify, tmp_path / "adapter")
    trained, _, spec = checkpoint.load_model(tmp_path / "straight", classify, log=lambda _: None)
    fresh = classify.build_model(cfg, spec, nnx.Rngs(7))
    description = json.loads((folder / "adapter.json").read_text())
    del description["pattern"]
    freezing.load_trainable(fresh, folder, description)
    batch = classify.collate(256, 16)([(list(b"win a prize"), 1, 1.0), (list(b"hi mum"), 0, 1.0)])
    logits = nnx.jit(lambda m, b: m(b["ids"], b["valid"]))
    np.testing.assert_allclose(logits(fresh, batch), logits(trained, batch), atol=1e-6)
    config = json.loads((tmp_path / "straight" / "config.json").read_text())
    config["model"]["base"] = "tiny-gpt2"
    (tmp_path / "straight" / "config.json").write_text(json.dumps(config))
    with pytest.raises(UserError, match="written by another model"):
        checkpoint.load_model(tmp_path / "straight", classify, log=lambda _: None)


def test_cached_frozen_trunk_trains_as_the_uncached_model():
    cfg, model = classifier("tiny,last_block")
    assert cfg.finetune.cache_frozen and model.cut == 1  # tiny-llama: 2 blocks, the last trains
    rows = classify.encode(cfg, ["Free entry! Text WIN now", "ok", "see you at 5 then", "Call 0800"])
    states = frozen_cache.trunk_states(model.backbone, "gpt", "tiny-llama", model.cut, rows,
                                       lm_finetune.ByteTokenizer.pad, store=False)
    assert [s.shape for s in states] == [(len(r), 32) for r in rows]
    make = classify.collate(lm_finetune.ByteTokenizer.pad, cfg.data.pad_multiple)
    tx = lm_finetune.build_optimizer(cfg)
    losses = {}
    for cached in (False, True):
        examples = [(r, i % 2, 1.0, s) if cached else (r, i % 2, 1.0)
                    for i, (r, s) in enumerate(zip(rows, states))]
        graphdef, state = state_lib.create(model, tx, 0)
        step = jax.jit(step_lib.pure_train_step(graphdef, classify.loss_fn, tx))
        losses[cached] = []
        for batch in (make(examples[:2]), make(examples[2:]), make(examples[:2])):
            assert ("hidden" in batch) == cached
            state, metrics = step(state, batch)
            losses[cached].append(float(metrics["loss"]))
    assert losses[False][2] != pytest.approx(losses[False][0], abs=1e-4)  # the steps train
    np.testing.assert_allclose(losses[True], losses[False], rtol=1e-5)


def test_stored_trunk_states_are_read_back_and_a_damaged_file_is_recomputed(tmp_path, monkeypatch):
    monkeypatch.setenv("JAXDL_CACHE_DIR", str(tmp_path))
    cfg, model = classifier("tiny,last_block")
    rows = classify.encode(cfg, ["Free entry! Text WIN now", "ok", "see you at 5 then"])

    def states():
        return frozen_cache.trunk_states(model.backbone, "gpt", "tiny-llama", model.cut, rows,
                                         lm_finetune.ByteTokenizer.pad)

    fresh = states()
    [path] = (tmp_path / "frozen").glob("*.npy")
    path.write_bytes(path.read_bytes()[:100])  # cut short, as by a full disk
    for again in (states(), states()):  # recomputed and stored again, then read back
        assert all(np.array_equal(a, b) for a, b in zip(again, fresh)) and len(again) == 3
    assert len(np.load(path)) == sum(len(r) for r in rows)


def test_a_cache_below_a_trained_layer_is_refused():
    cfg = load_config(SPAM, "tiny,all")
    cfg.finetune.cache_frozen = True
    with pytest.raises(UserError, match="cache_frozen=False"):
        classify.build_model(cfg, Spec(), nnx.Rngs(0))


@pytest.mark.slow  # a training run and greedy decoding: minutes of CI for a reporting path
@pytest.mark.skipif(not has_data_file("instruction-data.json"),
                    reason="needs instruction-data.json in $JAXDL_DATA_DIR")
def test_score_reports_what_its_responses_earn(tmp_path):
    cfg = load_config("experiments/finetune/instruct.py", "tiny,lora,smoke")
    cfg.train.update(steps=2, eval_every=2)
    train.fit(cfg, tmp_path, instruct, devices=jax.devices()[:1])
    result = instruct.score(tmp_path, max_new_tokens=3, limit=2)
    test = finetune_text.instruction_splits(cfg.data.split_seed)["test"]
    assert [reference for _, reference, _ in result["held_out"]] == \
        [e["output"] for e in test[:instruct.HELD_OUT_SHOWN]]
    assert result["short_answers"] == len(result["examples"]) == 2
    hits = [instruct.contains_match(ref, response) for _, ref, response in result["examples"]]
    assert result["contains_match"] == pytest.approx(np.mean(hits))
    assert np.isfinite(result["test_loss"]) and result["test_loss"] > 0
