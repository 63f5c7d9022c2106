"""The jax_basics article's claims, checked against its demos (jaxdl/studies/jax_basics.py and
jax_basics_training.py)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx

from jaxdl.studies import jax_basics as jb
from jaxdl.studies import jax_basics_training as jt


@pytest.fixture(scope="module")
def facts():
    return jb.autodiff_demo()


@pytest.fixture(scope="module")
def split():
    return jt.digits_split()


def test_arrays_are_immutable_and_random_keys_are_explicit():
    demo = jb.arrays_demo()
    assert demo["dtype"] == "float32"
    np.testing.assert_array_equal(demo["original_after_set"], np.arange(6.0).reshape(2, 3))
    assert demo["updated"][0, 1] == 100.0 and demo["updated"][1, 2] == 5.0
    assert demo["same_key_same_numbers"] and demo["split_keys_differ"]


def test_grad_matches_numpy_and_finite_differences(facts):
    w, b, x, y = jb.neuron_example()
    pred = np.tanh(x @ w + b)
    residual_grad = 2 * (pred - y) * (1 - pred**2) / len(y)  # d loss / d pre-activation, by hand
    assert facts["loss"] == pytest.approx(np.mean((pred - y) ** 2), rel=1e-12)
    np.testing.assert_allclose(facts["grad_w"], x.T @ residual_grad, rtol=1e-10)
    assert facts["grad_b"] == pytest.approx(residual_grad.sum(), rel=1e-10)
    np.testing.assert_allclose(facts["finite_difference_grad_w"], facts["grad_w"], atol=1e-8)


def test_jvp_and_vjp_are_products_with_the_jacobian(facts):
    J = facts["jacobian"]
    v0, v1, v2 = 0.3, -1.2, 2.0  # the point autodiff_demo differentiates squash at
    expected = np.array([[np.cos(v0) * v1, np.sin(v0), 0.0], [0.0, v2**2, 2 * v1 * v2]])
    np.testing.assert_allclose(J, expected, rtol=1e-12)
    np.testing.assert_allclose(facts["jacobian_rev"], J, rtol=1e-12)
    np.testing.assert_allclose(facts["jvp"], J @ facts["v"], rtol=1e-12)
    np.testing.assert_allclose(facts["vjp"], facts["u"] @ J, rtol=1e-12)
    np.testing.assert_array_equal(facts["value"], facts["value_again"])


def test_rosenbrock_hessian(facts):
    np.testing.assert_allclose(facts["rosenbrock_hessian_at_min"], [[802, -400], [-400, 200]], rtol=1e-12)


def test_per_example_grads_match_a_loop():
    w, b, x, y = (jnp.asarray(a, jnp.float32) for a in jb.neuron_example())
    grads_w, grads_b = jb.per_example_grads(w, b, x, y)
    for i in range(len(y)):
        gw, gb = jax.grad(jb.neuron_loss, argnums=(0, 1))(w, b, x[i:i + 1], y[i:i + 1])
        np.testing.assert_allclose(grads_w[i], gw, rtol=1e-5)
        np.testing.assert_allclose(grads_b[i], gb, rtol=1e-5)
    np.testing.assert_allclose(grads_w.mean(axis=0), jax.grad(jb.neuron_loss)(w, b, x, y), atol=1e-6)


def test_graph_of_value_and_grad():
    example = tuple(jnp.asarray(a, jnp.float32) for a in jb.neuron_example())
    forward = jb.jaxpr_graph(jb.neuron_loss, example, "wbxy", ["loss"])
    both = jb.jaxpr_graph(jax.value_and_grad(jb.neuron_loss, argnums=(0, 1)), example, "wbxy",
                          ["loss", "dw", "db"])
    primitives = lambda g, kind: sorted(l.split("\n")[0] for l, k in zip(g.labels, g.kinds) if k == kind)
    # The loss alone is the forward pass, and value_and_grad computes exactly that forward pass too.
    assert primitives(forward, "backward") == []
    assert primitives(forward, "forward") == primitives(both, "forward")
    assert {"dot_general", "tanh", "integer_pow", "reduce_sum"} <= set(primitives(forward, "forward"))
    # The gradient of x @ w with respect to w is another matmul, against x.
    assert "dot_general" in primitives(both, "backward")
    for graph in (forward, both):
        xy = jb.layout(graph)
        assert all(xy[p, 1] > xy[c, 1] for p, c in graph.edges)  # every edge points down
        assert len({tuple(p) for p in xy}) == len(xy)  # no two nodes on one spot


def test_jit_traces_once_per_shape():
    assert jb.traced_shapes() == [(3,), (4,)]
    x = jnp.linspace(-3, 3, 50)
    np.testing.assert_allclose(jax.jit(jb.elementwise_chain)(x), jb.elementwise_chain(x), rtol=1e-6)


def test_digits_split_and_source(split):
    train, test = split
    assert len(train) + len(test) == 1797 and not set(train.indices) & set(test.indices)
    example = train[5]
    assert example["image"].shape == (8, 8) and 0 <= example["label"] <= 9


def indices(dataset, count):
    return np.concatenate([dataset[i]["index"] for i in range(count)])


def test_pipeline_epochs_are_fresh_permutations(split):
    train, _ = split
    n = len(train)
    elements = jt.digits_pipeline(train, seed=3, batch_size=1, epochs=2)
    order = indices(elements, 2 * n)
    first, second = order[:n], order[n:]
    assert sorted(first) == sorted(second) == sorted(train.indices)
    assert not np.array_equal(first, second) and not np.array_equal(first, np.sort(first))


def test_pipeline_is_deterministic_per_seed(split):
    train, _ = split
    make = lambda seed: jt.digits_pipeline(train, seed=seed, batch_size=16, augment=True)
    a, b, c = make(0), make(0), make(1)
    for i in (0, 7, 50):
        np.testing.assert_array_equal(a[i]["image"], b[i]["image"])
        np.testing.assert_array_equal(a[i]["index"], b[i]["index"])
    assert not np.array_equal(indices(a, 3), indices(c, 3))


def test_augmentation_shifts_by_at_most_one_pixel(split):
    train, _ = split
    batch = jt.digits_pipeline(train, seed=0, batch_size=64, augment=True)[0]
    shifts = []
    for image, index in zip(batch["image"], batch["index"]):
        original = train[int(np.searchsorted(train.indices, index))]["image"]
        shifts.append(jt.shift_between(original, image))  # raises StopIteration if not a shift
    assert len(set(shifts)) > 3  # not always the same shift


def test_normalization_uses_train_statistics(split):
    train, _ = split
    mean, std = jt.pixel_stats(train)
    batch = jt.digits_pipeline(train, seed=0, batch_size=len(train), mean=mean, std=std)[0]
    assert abs(batch["image"].mean()) < 1e-4 and batch["image"].std() == pytest.approx(1.0, rel=1e-4)


def test_iterator_resumes_from_its_state(split):
    train, _ = split
    dataset = jt.digits_pipeline(train, seed=0, batch_size=32, epochs=2, augment=True).to_iter_dataset()
    iterator = iter(dataset)
    for _ in range(5):
        next(iterator)
    state = iterator.get_state()
    expected = [next(iterator) for _ in range(3)]
    resumed = iter(dataset)
    resumed.set_state(state)
    for batch in expected:
        np.testing.assert_array_equal(next(resumed)["image"], batch["image"])


def test_mlp_parameters_and_modes():
    model = jt.MLP(hidden=16, dropout=0.5, rngs=nnx.Rngs(0))
    params = nnx.state(model, nnx.Param)
    assert sum(p.size for p in jax.tree.leaves(params)) == 64 * 16 + 16 + 16 * 10 + 10
    images = jnp.ones((4, 8, 8))
    model.eval()
    np.testing.assert_array_equal(model(images), model(images))  # dropout off
    graphdef, state = nnx.split(model)
    np.testing.assert_array_equal(nnx.merge(graphdef, state)(images), model(images))
    model.train()
    assert not np.array_equal(model(images), model(images))  # dropout on: a new mask each call


def test_training_learns_digits():
    history = jt.train_digits(epochs=2)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["test_accuracy"][-1] > 0.9
