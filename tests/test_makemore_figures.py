"""The makemore figures: each drawing function writes a PNG from small inputs; PCA is exact."""

import jax
import ml_collections
import numpy as np
import pytest

from flax import nnx

from jaxdl import mesh as mesh_lib, train
from jaxdl.experiments import makemore_figures as figures
from jaxdl.tasks import makemore
from testlib import has_data_file, load_config


def test_pca_2d_finds_the_plane_the_points_lie_in():
    rng = np.random.default_rng(0)
    plane = rng.standard_normal((2, 5))  # 30 points on a 2-D plane inside 5-D space
    table = rng.standard_normal((30, 2)) @ plane + 3.0
    xy, share = figures.pca_2d(table)
    assert xy.shape == (30, 2) and share == pytest.approx(1.0)
    # The projection keeps every distance between points (the plane is all there is).
    dist = lambda p: np.linalg.norm(p[:, None] - p[None], axis=-1)  # noqa: E731
    np.testing.assert_allclose(dist(xy), dist(table), atol=1e-9)


def test_every_figure_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    itos = [".", "a", "b", "e"]
    figures.plot_bigram_counts(np.arange(16).reshape(4, 4), itos, tmp_path / "counts.png")
    table = np.random.default_rng(1).standard_normal((4, 3))
    figures.plot_embeddings([("toy", table, "".join(itos))], tmp_path / "emb.png")
    figures.plot_val_losses([("bigram", 2.74), ("mlp", 2.15)], tmp_path / "bars.png")
    figures.plot_curves({"run": ([1, 2], [3.0, 2.5])}, tmp_path / "curves.png", "val loss")
    for name in ("counts", "emb", "bars", "curves"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000


def test_markdown_table_and_log_parsing(tmp_path):
    log = tmp_path / "gru.log"
    log.write_text("step 100/200 | loss 3.0 | 2.5 ms/step | x\nstep 200/200 | loss 2.9 | 1.8 ms/step | x\n"
                   "wall 7.38 s\n")
    assert figures.from_log(log) == {"ms/step": 1.8, "wall": 7.38}
    assert figures.from_log(tmp_path / "missing.log") == {}
    row = dict(run="gru", model="gru", params=28315, steps=2000, split="makemore", train_full=2.1,
               val_full=2.15, logged_val=2.1508, **figures.from_log(log))
    table = figures.markdown_table([row])
    assert "| gru | gru | 28,315 | 2,000 | makemore | 2.1000 | 2.1500 | - | 2.1508 | 1.8 | 7.4 |" in table


@pytest.mark.skipif(not has_data_file("names.txt"), reason="needs names.txt in $JAXDL_DATA_DIR")
def test_whole_split_loss_is_the_loops_val_loss():
    # A BatchNorm model: in eval mode (running statistics, not the batch's) the loss over the
    # whole val split must be what the loop's own eval step computes.
    cfg = load_config("experiments/makemore/names.py", "mlp3")
    run = train.prepare(cfg, makemore, jax.devices()[:1])
    put = lambda batch: mesh_lib.put_batch(batch, run.batch_sharding)  # noqa: E731
    state = run.state
    [val_batch] = run.data.eval["val"]()
    expected = float(run.eval_step(run.leaves, put(val_batch))["loss"])
    model = nnx.merge(run.graphdef, state.params, state.model_state)
    spec = ml_collections.ConfigDict(run.data.spec)
    losses = figures.split_losses(model, cfg, spec, rows_per_call=512)
    assert set(losses) == {"train", "val"}
    assert losses["val"] == pytest.approx(expected, abs=1e-5)


def test_vowel_similarity_sees_vowels_that_share_a_direction():
    vocab = ".abcdeiou"
    table = np.random.default_rng(2).standard_normal((len(vocab), 4)) * 0.1
    table[[vocab.index(v) for v in "aeiou"], 0] += 1.0  # vowels point along the first axis
    report = figures.vowel_similarity(table, vocab)
    vv = float(report.split("vowel-vowel ")[1].split(",")[0])
    assert vv > 0.9 and "a->" in report and "u->" in report
