"""Layers: Linear, Embedding, Dropout, Sequential, Identity."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def t(*shape, seed=0, grad=True):
    rng = np.random.default_rng(seed)
    return mg.tensor(rng.uniform(-2, 2, size=shape), requires_grad=grad)


# ------------------------------------------------------------------ Linear
def test_linear_shapes_init_and_repr():
    mg.manual_seed(0)
    layer = nn.Linear(400, 30)
    assert layer.weight.shape == (30, 400) and layer.bias.shape == (30,)
    assert layer.weight.dtype == np.float32
    bound = 1 / np.sqrt(400)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.numpy()).max() <= bound
    assert np.abs(layer.weight.numpy()).max() > 0.9 * bound  # uses the whole range
    assert repr(layer) == "Linear(in_features=400, out_features=30, bias=True)"
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(in_features=2, out_features=3, bias=False)"
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]


def test_linear_forward_and_gradcheck():
    layer = nn.Linear(3, 4, dtype=mg.float64)
    x = t(5, 3)
    y = layer(x)
    np.testing.assert_allclose(y.numpy(), x.numpy() @ layer.weight.numpy().T
                               + layer.bias.numpy())
    assert mg.gradcheck(lambda x, w, b: layer(x), [x, layer.weight, layer.bias])
    no_bias = nn.Linear(3, 2, bias=False, dtype=mg.float64)
    assert no_bias.bias is None and len(list(no_bias.parameters())) == 1
    assert mg.gradcheck(lambda x, w: no_bias(x), [t(2, 4, 3), no_bias.weight])


def test_linear_matches_pytorch_after_loading_its_weights():
    torch = pytest.importorskip("torch")
    ref = torch.nn.Linear(3, 4).double()
    layer = nn.Linear(3, 4, dtype=mg.float64)
    layer.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    x = t(2, 3, grad=False).numpy()
    np.testing.assert_allclose(layer(mg.tensor(x)).numpy(),
                               ref(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_linear_errors():
    with pytest.raises(ValueError, match=r"linear.*\(2, 5\).*in_features=3"):
        nn.Linear(3, 4)(mg.randn(2, 5))


# ------------------------------------------------------------------ Embedding
def test_embedding_lookup_padding_and_gradcheck():
    mg.manual_seed(0)
    emb = nn.Embedding(10, 4, padding_idx=0, dtype=mg.float64)
    assert emb.weight.shape == (10, 4) and emb.weight.dtype == np.float64
    np.testing.assert_array_equal(emb.weight.numpy()[0], 0)
    ids = np.array([[0, 3, 3], [9, 0, 1]])
    out = emb(ids)
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out.numpy(), emb.weight.numpy()[ids])
    out.sum().backward()
    g = emb.weight.grad.numpy()
    np.testing.assert_array_equal(g[0], 0)  # padding: no gradient
    np.testing.assert_array_equal(g[3], 2)  # repeated id: both contributions
    np.testing.assert_array_equal(g[5], 0)
    assert repr(emb) == "Embedding(10, 4, padding_idx=0)"
    assert nn.Embedding(5, 2, padding_idx=-1).padding_idx == 4
    plain = nn.Embedding(6, 3, dtype=mg.float64)
    assert mg.gradcheck(lambda w: plain(mg.tensor(np.array([1, 1, 5]))), [plain.weight])


def test_embedding_from_pretrained():
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    frozen = nn.Embedding.from_pretrained(vectors)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(np.array([2])).numpy(), vectors[[2]])
    vectors[2] = -1  # a copy was taken
    assert frozen.weight.numpy()[2, 0] == 6
    tuned = nn.Embedding.from_pretrained(mg.tensor(vectors), freeze=False, padding_idx=1)
    assert tuned.weight.requires_grad and tuned.padding_idx == 1
    np.testing.assert_array_equal(tuned.weight.numpy()[1], vectors[1])  # kept, as PyTorch
    tuned(np.array([1, 2])).sum().backward()
    np.testing.assert_array_equal(tuned.weight.grad.numpy()[1], 0)
    with pytest.raises(ValueError, match=r"2-D.*\(5,\)"):
        nn.Embedding.from_pretrained(np.zeros(5))


def test_embedding_errors():
    emb = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match=r"\[0, 5\).*\[5\]"):
        emb(np.array([0, 5]))
    with pytest.raises(TypeError, match="integers"):
        emb(mg.tensor([1.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(5, 2, padding_idx=5)


# ------------------------------------------------------------------ Dropout
def test_dropout_train_and_eval():
    d = nn.Dropout(0.25)
    assert repr(d) == "Dropout(p=0.25)"
    x = mg.ones(200, 50)
    mg.manual_seed(1)
    y = d(x).numpy()
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert 0.7 < (y != 0).mean() < 0.8
    d.eval()
    assert d(x) is x
    with pytest.raises(ValueError, match="p must be in"):
        nn.Dropout(-0.1)


def test_dropout_gradcheck_with_a_fixed_mask():
    d = nn.Dropout(0.5)
    x = t(4, 5)

    def fn(x):
        mg.manual_seed(3)  # the same mask on every evaluation
        return d(x)
    assert mg.gradcheck(fn, [x])


# ------------------------------------------------------------------ containers
def test_sequential_indexing_iteration_names_and_forward():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5, dtype=mg.float64), nn.Tanh(),
                          nn.Linear(5, 2, dtype=mg.float64), nn.Identity())
    assert len(model) == 4
    assert isinstance(model[0], nn.Linear) and isinstance(model[-1], nn.Identity)
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear", "Identity"]
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight",
                                                        "2.bias"]
    head = model[1:3]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    assert [n for n, _ in head.named_parameters()] == ["2.weight", "2.bias"]
    x = t(4, 3)
    expected = model[2](mg.tanh(model[0](x)))
    np.testing.assert_allclose(model(x).numpy(), expected.numpy())
    params = [p for p in model.parameters()]
    assert mg.gradcheck(lambda x, *ps: model(x), [x, *params])
    with pytest.raises(IndexError, match="out of range"):
        model[4]
    with pytest.raises(TypeError, match="not a Module"):
        nn.Sequential(nn.Tanh(), lambda x: x)
    assert "(1): Tanh()" in repr(model)
    model.append(nn.ReLU())
    assert len(model) == 5 and isinstance(model[4], nn.ReLU)


def test_identity_and_activations():
    x = t(3)
    assert nn.Identity(54, unused="x")(x) is x
    np.testing.assert_allclose(nn.ReLU()(x).numpy(), np.maximum(x.numpy(), 0))
    np.testing.assert_allclose(nn.Sigmoid()(x).numpy(), 1 / (1 + np.exp(-x.numpy())))


def test_layers_take_dtype_and_default_dtype():
    assert nn.Linear(2, 2, dtype="float64").weight.dtype == np.float64
    assert nn.Embedding(3, 2).weight.dtype == np.float32
    mg.set_default_dtype(mg.float64)
    try:
        assert nn.Linear(2, 2).bias.dtype == np.float64
    finally:
        mg.set_default_dtype(mg.float32)


@pytest.mark.skipif(not mg.cuda_available(), reason="needs CuPy and a GPU")
def test_a_training_step_on_cuda_matches_cpu():
    results = []
    for device in ("cpu", "cuda"):
        mg.manual_seed(0)
        model = nn.Sequential(nn.Embedding(6, 4, padding_idx=0), nn.Dropout(0.3),
                              nn.Linear(4, 3)).to(mg.float64).to(device)
        opt = mg.optim.Adam(model.parameters(), lr=0.1)
        ids = np.array([[0, 1, 2], [5, 5, 3]])
        loss = mg.nn.functional.cross_entropy(model(ids).transpose(0, 2, 1),
                                              np.array([[0, 1, 2], [2, 1, -100]]))
        loss.backward()
        mg.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        assert model[2].weight.device == device
        results.append([loss.item()] + [p.numpy() for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-10)
