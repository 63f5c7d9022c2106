"""The exercise solutions of the foundation articles (activations, backprop, losses,
normalization, optimizers, jax_basics, intro) run on tiny settings and give answers that could
be wrong: each check recomputes or bounds what the exercise asks."""

import math
import pathlib
import re

import numpy as np
import pytest

from testlib import REPO, load_module

LEVELS = ["easy", "medium", "research-y"]
TOPICS = ("activations", "backprop", "losses", "normalization", "optimizers", "jax_basics", "intro")


def _checks():
    # ---- backprop
    def by_hand(found):
        assert len(found) == 5
        for hand, engine in found.values():
            assert abs(hand - engine) < 1e-12 and abs(engine) > 1e-3

    def sigmoid_primitive(out):
        (v1, g1, n1), (v2, g2, n2) = out["primitive"], out["composed"]
        s = 1 / (1 + math.exp(1.3 * 0.8))  # sigmoid(w x) at w = -1.3, x = 0.8
        assert abs(v1 - s * s) < 1e-12 and abs(v2 - s * s) < 1e-12
        assert abs(g1 - 2 * s * s * (1 - s) * 0.8) < 1e-12 and abs(g1 - g2) < 1e-12
        assert n1 < n2

    def sigmoid_layer(errors):
        assert max(errors) < 1e-6

    def step_size(found):
        forward, central = np.array(found["forward"]), np.array(found["central"])
        best = central.min()
        assert best < 1e-8 and best < forward.min() / 10  # O(h^2) beats O(h)
        assert central[0] > 100 * best and central[-1] > 100 * best  # truncation, then rounding
        assert np.argmin(forward) > 0 and np.argmin(forward) < len(forward) - 1

    # ---- activations
    def softplus(out):
        naive, at_100, at_minus_100, slope_error = out
        assert math.isinf(naive) and at_100 == 100.0 and 0 <= at_minus_100 < 1e-30
        assert slope_error < 1e-6

    def variance_factor(chi):
        z = np.linspace(-12, 12, 200_001)  # E[sigmoid'(z)^2], z ~ N(0, 1), by the trapezoid rule
        s = 1 / (1 + np.exp(-z))
        density = np.exp(-z**2 / 2) / math.sqrt(2 * math.pi)
        sigmoid_gain_1 = math.sqrt(np.trapezoid((s * (1 - s)) ** 2 * density, z))
        assert abs(chi["sigmoid"]["gain 1 (LeCun)"] - sigmoid_gain_1) < 1e-6
        assert abs(chi["relu"]["gain sqrt 2 (He)"] - 1) < 1e-3  # He's gain: exactly critical
        assert all(v < 0.5 for v in chi["sigmoid"].values())  # vanishes at every gain
        assert all(chi[name]["gain 2"] > 1.2 for name in ("relu", "tanh", "elu"))

    def selu(moments):
        m = moments["selu"]
        assert np.all(np.abs(m[:, 0]) < 0.1) and np.all(np.abs(m[:, 1] - 1) < 0.15)
        assert moments["elu"][-1, 1] < 0.3 and moments["tanh"][-1, 1] < 0.3  # these shrink

    # ---- losses
    def sigmoid_threshold(out):
        found, theory, naive, stable, first_on_grid = out
        assert abs(found - theory) < 1e-3 and math.isinf(naive)
        assert round(first_on_grid, 2) == 16.71  # the article's "breaks at s = 16.71"
        assert abs(stable - (found + 0.01)) < 1e-3  # the exact loss at label 0 is ~ the logit

    def smoothing_gap(found):
        for alpha, (gap, formula) in found.items():
            assert abs(gap - formula) < 1e-4
            assert abs(formula - math.log((1 - alpha + alpha / 10) / (alpha / 10))) < 1e-12
        assert abs(found[0.1][0] - 4.51) < 0.005  # the article's number

    def huber_location(found):
        assert abs(found["mse"] - found["mean"]) < 1e-3
        assert abs(found["mae"] - found["median"]) < 0.05  # 100 points: any c between the middle two
        huber = [found["huber"][d] for d in sorted(found["huber"])]
        assert abs(huber[0] - found["median"]) < 0.05 and huber[-1] < found["mean"]
        assert all(a <= b for a, b in zip(huber, huber[1:]))  # towards the mean as delta grows

    def temperature_scaling(out):
        assert out["T"] < 1  # smoothing made it underconfident: sharpen
        assert out["ece after"] < out["ece before"] / 2 and out["nll after"] < out["nll before"]
        assert out["accuracy after"] == out["accuracy before"] > 0.9

    # ---- optimizers
    def adam_first_step(found):
        for scale, steps in found.items():
            assert np.all(np.abs(steps["Adam"] - 1) < 1e-3)  # lr per coordinate, any scale
            assert 0.05 * scale < steps["SGD"].max() < 5 * scale  # lr |g|: follows the scale

    def momentum_forms(found):
        assert found["constant"] < 1e-12 and found["step decay"] > 1e-2

    def rmsprop_schedule(found):
        hover = found["hover"]
        assert 5 < hover[1e-1] / hover[1e-2] < 20  # the hover distance scales with lr
        assert found["cosine"] < 1e-3 * found["constant"]

    # ---- normalization
    def init_factor(found):
        assert set(found) == {"naive N(0, 1)", "Xavier", "Kaiming"}
        for measured, theory in found.values():
            assert abs(measured / theory - 1) < 0.05
        assert abs(found["Kaiming"][1] - 1) < 1e-12 and abs(found["Xavier"][1] - 0.5**0.5) < 1e-12

    def fold_batchnorm(out):
        error, largest = out
        assert error < 1e-5 * largest and largest > 1  # an output that is not trivially small

    def small_batch(found):
        spreads = [found[B] for B in sorted(found)]
        assert all(a > b for a, b in zip(spreads, spreads[1:]))
        assert 1.4 < found[16] / found[64] < 3  # about sqrt(64 / 16) = 2

    # ---- jax_basics
    def in_place(out):
        result, expected, original = out
        np.testing.assert_array_equal(result, expected)
        np.testing.assert_array_equal(original, np.arange(12.0).reshape(3, 4))

    def retracing(out):
        traces, error = out
        assert traces == [((3,), "float32", "train"), ((3,), "float32", "eval"),
                          ((4,), "float32", "train"), ((3,), "int32", "train")]
        assert error == "TracerBoolConversionError"

    def hvp(found):
        assert set(found) == {"rosenbrock", "sum tanh(Ax)^2"} and max(found.values()) < 1e-10

    def per_example_clipping(out):
        cosine, norms = out["cosine"], out["norms"]
        assert len(norms) == 256 and abs(cosine[10.0] - 1) < 1e-6  # no norm above 10: unclipped
        values = [cosine[C] for C in sorted(cosine, reverse=True)]
        assert all(b <= a + 1e-6 for a, b in zip(values, values[1:])) and values[-1] < 0.99
        assert all(out["clipped norms"][C] <= C * (1 + 1e-5) for C in cosine)
        assert norms.min() > 1 and abs(cosine[1.0] - cosine[0.1]) < 1e-5  # all clipped: unit vectors

    # ---- intro
    def param_count(found):
        table = {"diabetes linear": 11, "diabetes mlp": 385, "breast_cancer mlp": 1025,
                 "breast_cancer linear": 31, "iris mlp": 131, "iris linear": 15,
                 "digits mlp": 9610, "digits linear": 650}  # the article's results table
        assert {name: built for name, (built, _) in found.items()} == table
        assert all(built == formula for built, formula in found.values())

    def least_squares(found):
        assert found["normal equations"] < 1e-10  # the exact optimum on train
        assert found["train"] > found["val"] > 0.45 and abs(found["test"] - 0.3432) < 0.03

    def selection_bias(found):
        val = [found[k][0] for k in sorted(found)]
        assert all(a < b for a, b in zip(val, val[1:])) and val[-1] > 0.45  # optimism grows
        assert all(abs(test - 1 / 3) < 0.02 for _, test in found.values())  # test stays chance

    return {
        "activations/softplus": softplus, "activations/variance_factor": variance_factor,
        "activations/selu": selu,
        "backprop/by_hand": by_hand, "backprop/sigmoid_primitive": sigmoid_primitive,
        "backprop/sigmoid_layer": sigmoid_layer, "backprop/step_size": step_size,
        "intro/param_count": param_count, "intro/least_squares": least_squares,
        "intro/selection_bias": selection_bias,
        "jax_basics/in_place": in_place, "jax_basics/retracing": retracing,
        "jax_basics/hvp": hvp, "jax_basics/per_example_clipping": per_example_clipping,
        "losses/sigmoid_threshold": sigmoid_threshold, "losses/huber_location": huber_location,
        "losses/smoothing_gap": smoothing_gap, "losses/temperature_scaling": temperature_scaling,
        "normalization/init_factor": init_factor, "normalization/fold_batchnorm": fold_batchnorm,
        "normalization/small_batch": small_batch,
        "optimizers/adam_first_step": adam_first_step, "optimizers/momentum_forms": momentum_forms,
        "optimizers/rmsprop_schedule": rmsprop_schedule,
    }


CHECKS = _checks()
SOLUTIONS = sorted(p for topic in TOPICS for p in REPO.glob(f"experiments/{topic}/solutions/*.py"))


def _name(path: pathlib.Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


def test_every_solution_has_a_check():
    assert {_name(p) for p in SOLUTIONS} == set(CHECKS)


def test_every_exercise_names_an_existing_solution():
    for topic in TOPICS:
        text = (REPO / "experiments" / topic / "README.md").read_text()
        exercises = text.split("## Exercises", 1)[1]
        named = set(re.findall(r"\(solutions/(\w+)\.py\)", exercises))
        on_disk = {p.stem for p in (REPO / "experiments" / topic / "solutions").glob("*.py")}
        assert named == on_disk and 3 <= len(named) <= 5, topic
        levels = re.findall(r"^\d\. \*\*\((easy|medium|research-y)\)", exercises, re.M)
        assert len(levels) == len(named) and levels == sorted(levels, key=LEVELS.index), topic


@pytest.mark.parametrize("path", SOLUTIONS, ids=_name)
def test_solution_runs_and_answers(path: pathlib.Path):
    module = load_module(str(path.relative_to(REPO)))
    assert module.__doc__ and "Exercise" in module.__doc__
    CHECKS[_name(path)](module.main(tiny=True))
