"""The exercise solutions of the generative articles (experiments/{autoencoders,gan,diffusion}/
solutions/) run on tiny settings and give answers that could be wrong: each is checked against
a re-computation, a closed form, or the direction of the effect its exercise asks about."""

import numpy as np
import pytest

from testlib import REPO, load_module

TOPICS = ("autoencoders", "gan", "diffusion")


def _checks():
    def schedules(found):
        # the linear schedule reaches SNR 1 far earlier and wastes a third of its steps on
        # near-noise; the cosine one crosses near the middle
        assert found["linear"]["snr_below_1_at"] < 300 < 450 < found["cosine"]["snr_below_1_at"]
        assert found["linear"]["share_almost_noise"] > 4 * found["cosine"]["share_almost_noise"]

    def guidance_toy(found):
        # the exact conditional model (w = 1) puts N(1, 0.5^2)'s 97.7% on the right side
        assert abs(found[1.0]["accuracy"] - 0.977) < 0.015
        assert found[0.0]["accuracy"] < 0.6  # unconditional: both classes
        assert found[5.0]["accuracy"] >= found[3.0]["accuracy"] >= found[1.0]["accuracy"]
        assert found[3.0]["spread"] < 0.8 * found[1.0]["spread"]  # variety traded away

    def ddim_inversion(found):
        assert found[250] < found[50] < found[10] < 0.2

    def v_prediction(found):
        assert found["identity_error"] < 1e-12
        np.testing.assert_allclose(found["loss_ratio"], 1 / found["abar"], rtol=1e-9)
        gain = found["x0_gain"]
        assert gain["eps"][-1] > 100 * gain["v"][-1] and gain["eps"][0] < 0.05

    def loss_gradients(found):
        g = found["generator"]
        assert abs(g["saturating"][0]) < 1e-3 and abs(g["non_saturating"][0]) > 0.99
        np.testing.assert_allclose(g["saturating"][-1], g["non_saturating"][-1])  # both 1/2 at 0
        d = found["discriminator_real"]
        assert np.all(d["hinge"][found["real_logits"] > 1] == 0)
        assert np.all(d["non_saturating"] < 0)

    def dirac_gan(runs):
        assert runs["simultaneous"][-1] > 2 * np.sqrt(2)  # spirals out
        assert runs["simultaneous, TTUR (D 4x, G 1/4x)"][-1] > 2 * np.sqrt(2)
        assert runs["alternating"].max() < 1.05 * np.sqrt(2) + 0.2  # stays near its start

    def spectral_norm(found):
        estimates = found["estimates"]
        assert abs(estimates[1000] - found["exact"]) < 1e-3 * found["exact"]
        assert estimates[1] < estimates[100] <= found["exact"] + 1e-12  # from below
        assert abs(found["normalised"] - 1) < 1e-3

    def latent_size(found):
        errors = [found[d][0] for d in sorted(found)]
        assert all(a > b for a, b in zip(errors, errors[1:]))
        for error, discarded in found.values():
            assert abs(error - discarded) < 1e-10

    def beta_vae(found):
        for grid, closed in found["variances"].values():
            assert abs(grid - closed) < 1e-4
        assert abs(found["variances"][1.0][1] - found["posterior"]) < 1e-12
        assert found["variances"][4.0][0] > found["variances"][1.0][0] > found["variances"][0.5][0]

    def bound_vs_k(found):
        gaps = [found[k] for k in sorted(found)]
        assert all(a > b > 0 for a, b in zip(gaps, gaps[1:]))
        assert 0.5 < (100 * found[100]) / (10 * found[10]) < 2  # gap ~ c / k

    def iwae_encoder(found):
        (elbo_var, elbo), (iwae_var, iwae) = found["best"][1], found["best"][5]
        assert abs(elbo_var / found["posterior"] - 1) < 0.1  # the ELBO: the posterior's variance
        assert iwae_var > 1.2 * elbo_var and iwae > elbo

    return {name: check for name, check in locals().items()}


CHECKS = _checks()
SOLUTIONS = sorted(path for topic in TOPICS
                   for path in REPO.glob(f"experiments/{topic}/solutions/*.py"))


def test_every_generative_solution_has_a_check():
    assert {path.stem for path in SOLUTIONS} == set(CHECKS)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_generative_solution_runs_and_answers(path):
    module = load_module(str(path.relative_to(REPO)))
    CHECKS[path.stem](module.main(tiny=True))
