"""The CuPy backend: runs only where CuPy and a GPU are present, skips cleanly elsewhere."""
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg

cuda = pytest.mark.skipif(not mg.cuda_available(), reason="needs CuPy and a GPU")


@cuda
def test_ops_and_gradients_on_cuda_match_cpu():
    rng = np.random.default_rng(0)
    a, w = rng.standard_normal((4, 3)), rng.standard_normal((3, 5))
    grads = []
    for device in ("cpu", "cuda"):
        x = mg.tensor(a, device=device, requires_grad=True)
        m = mg.tensor(w, device=device, requires_grad=True)
        loss = mg.log_softmax(mg.tanh(x @ m), axis=1)[:, 2].sum()
        loss.backward()
        assert x.grad.device == device
        grads.append((loss.item(), x.grad.numpy(), m.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-10)
    for c, g in zip(grads[0][1:], grads[1][1:]):
        np.testing.assert_allclose(c, g, rtol=1e-10)


@cuda
def test_moving_to_cuda_and_back_is_tracked():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.to("cuda") * 3).to("cpu").sum()
    y.backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [3, 3])


@cuda
def test_mixing_devices_in_one_op_names_both():
    with pytest.raises(RuntimeError, match=r"different devices.*(cpu.*cuda|cuda.*cpu)"):
        mg.ones(2) + mg.ones(2, device="cuda")


def test_minigrad_device_variable_selects_the_default_device():
    code = "import minigrad as mg; print(mg.zeros(1).device)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"MINIGRAD_DEVICE": "cpu", "PATH": ""})
    assert out.stdout.strip() == "cpu"
    if not mg.cuda_available():
        bad = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={"MINIGRAD_DEVICE": "cuda", "PATH": ""})
        assert bad.returncode != 0 and ("CuPy" in bad.stderr or "GPU" in bad.stderr)
