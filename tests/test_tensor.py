"""Tensor creation, attributes, dtypes and the friendly surface."""
import numpy as np
import pytest

import minigrad as mg


def test_python_floats_default_to_float32_and_arrays_keep_their_dtype():
    assert mg.tensor([1.0, 2.0]).dtype == np.float32
    assert mg.tensor(np.zeros(2)).dtype == np.float64
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor([1.0], dtype="float64").dtype == np.float64
    assert mg.tensor([1.0], dtype=np.float16).dtype == np.float16


def test_non_numeric_data_is_refused():
    with pytest.raises(TypeError, match="not numeric"):
        mg.tensor(["a", "b"])
    with pytest.raises(TypeError, match="not numeric"):
        mg.tensor([object()])


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="floating"):
        mg.tensor([1, 2], requires_grad=True)


def test_constructors_shapes_and_dtypes():
    assert mg.zeros(2, 3).shape == (2, 3)
    assert mg.ones((4,), dtype="float64").dtype == np.float64
    assert mg.full((2,), 7.0).numpy().tolist() == [7.0, 7.0]
    assert mg.arange(5).numpy().tolist() == [0, 1, 2, 3, 4]
    assert mg.arange(0, 1, 0.5).dtype == np.float32
    assert mg.randn(3, 2).dtype == np.float32
    assert mg.zeros_like(mg.ones(2, dtype="float64")).dtype == np.float64
    assert mg.randn_like(mg.ones(2, 3, dtype="float64")).shape == (2, 3)
    assert mg.rand_like(mg.ones(2, dtype="float64")).dtype == np.float64
    np.testing.assert_array_equal(mg.eye(2, 3).numpy(), [[1, 0, 0], [0, 1, 0]])
    np.testing.assert_allclose(mg.linspace(0, 1, 5).numpy(), [0, 0.25, 0.5, 0.75, 1])
    assert mg.linspace(0, 1, 3, dtype="float64").dtype == np.float64


def test_from_numpy_shares_memory_and_keeps_the_dtype():
    a = np.zeros(3)
    x = mg.from_numpy(a)
    a[0] = 5.0
    assert x.dtype == np.float64 and x.numpy()[0] == 5.0
    with pytest.raises(TypeError, match="from_numpy: expected an array, got list"):
        mg.from_numpy([1.0])
    with pytest.raises(TypeError, match="not numeric"):
        mg.from_numpy(np.array(["a"]))


def test_clone_copies_the_data_but_stays_in_the_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    y.array[0] = 9.0
    assert x.numpy()[0] == 1.0 and y.grad_fn is not None
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_manual_seed_makes_draws_repeatable():
    mg.manual_seed(7)
    a = mg.randn(5).numpy()
    mg.manual_seed(7)
    np.testing.assert_array_equal(a, mg.randn(5).numpy())


def test_attributes_and_conversions():
    x = mg.tensor([[1.0, 2.0]], requires_grad=True, name="x")
    assert (x.shape, x.ndim, x.numel(), x.device, x.is_leaf) == ((1, 2), 2, 2, "cpu", True)
    assert (x.size(), x.size(1), x.size(-2)) == ((1, 2), 2, 1)
    with pytest.raises(IndexError, match=r"size: dim 2 out of range .* shape \(1, 2\)"):
        x.size(2)
    assert isinstance(x.numpy(), np.ndarray)
    assert mg.tensor([3.5]).item() == 3.5
    with pytest.raises(ValueError, match="one-element"):
        x.item()


def test_repr_shows_data_shape_dtype_and_grad_fn():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    r = repr(x * 2)
    assert "2., 4." in r and "shape=(2,)" in r and "float32" in r and "grad_fn=<Mul>" in r
    assert r.count("dtype") == 1
    assert repr(mg.eye(2)).startswith("tensor([[1., 0.],\n        [0., 1.]]")  # rows aligned


def test_methods_match_functions():
    x = mg.tensor([[1.0, -2.0], [3.0, 0.5]])
    np.testing.assert_allclose(x.tanh().numpy(), mg.tanh(x).numpy())
    np.testing.assert_allclose(x.sum(1).numpy(), [-1.0, 3.5])
    np.testing.assert_allclose(x.T.numpy(), x.numpy().T)
    assert x.reshape(-1, 1).shape == (4, 1)
    assert x.unsqueeze(0).shape == (1, 2, 2)
    assert (x > 0).numpy().tolist() == [[True, False], [True, True]]
    assert x.argmax(axis=1).numpy().tolist() == [0, 0]


def test_numpy_array_on_the_left_gives_a_tensor():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([2.0, 3.0], dtype=np.float32) * x
    assert isinstance(y, mg.Tensor) and y.grad_fn is not None


def test_to_dtype_is_tracked():
    x = mg.tensor([1.0], requires_grad=True)
    assert x.to("float64").dtype == np.float64
    assert x.double().grad_fn is not None


def test_cuda_request_without_cupy_or_gpu_says_what_is_missing():
    if mg.cuda_available():
        pytest.skip("a GPU is available here")
    with pytest.raises(RuntimeError, match="(CuPy|GPU)"):
        mg.tensor([1.0]).to("cuda")
    with pytest.raises(RuntimeError, match="(CuPy|GPU)"):
        mg.zeros(2, device="cuda")


def test_unknown_device_is_refused():
    with pytest.raises(ValueError, match="unknown device"):
        mg.tensor([1.0], device="tpu")


def test_iterating_gives_rows_and_stops():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(x)
    assert [r.numpy().tolist() for r in rows] == [[1, 2], [3, 4]]
    (rows[0] * 2 + rows[1]).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 2], [1, 1]])


def test_format_spec_formats_a_one_element_tensor_like_its_number():
    loss = mg.tensor(1.23456, dtype="float64")
    assert f"{loss:.3f}" == "1.235" and f"{mg.tensor([7]):d}" == "7"
    assert f"{loss}" == repr(loss)
    with pytest.raises(ValueError, match="one-element"):
        f"{mg.ones(2):.3f}"


def test_tensor_copies_an_array_and_from_numpy_shares_it():
    a = np.zeros(3, dtype=np.float32)
    t = mg.tensor(a)
    t.add_(1.0)
    assert a.tolist() == [0.0, 0.0, 0.0] and t.tolist() == [1.0, 1.0, 1.0]
    s = mg.from_numpy(a)
    s.add_(2.0)
    assert a.tolist() == [2.0, 2.0, 2.0]
