"""01: the chain rule, one node at a time.

What you will see: a tiny expression becomes a graph of Function nodes; backward()
walks it in reverse and each node applies its own derivative. Then the same idea on
one step of a recurrent network, h = tanh(x Wx + h_prev Wh + b), whose gradient with
respect to h_prev is the factor that BPTT multiplies once per time step.

Step through it:  python -m pdb examples/01_autograd_basics.py
"""
import numpy as np

import minigrad as mg

# 1. A scalar expression. Every operation on a tensor that requires grad records a
#    node (grad_fn) that remembers its inputs.
x = mg.tensor(2.0, requires_grad=True, dtype="float64")
y = x * x + mg.exp(x)
print("y =", y.item(), "made by", y.grad_fn.name)

# 2. backward() applies the chain rule from y back to x: dy/dx = 2x + e^x.
y.backward()
print("dy/dx =", x.grad.item(), " expected", 2 * 2.0 + np.exp(2.0))

# 3. One recurrent step. Shapes follow PyTorch: x is (batch, features).
mg.manual_seed(0)
Wx = mg.randn(3, 4, dtype="float64", requires_grad=True)
Wh = mg.randn(4, 4, dtype="float64", requires_grad=True)
b = mg.zeros(4, dtype="float64", requires_grad=True)
x_t = mg.randn(1, 3, dtype="float64")
h_prev = mg.randn(1, 4, dtype="float64", requires_grad=True)
h = mg.tanh(x_t @ Wx + h_prev @ Wh + b)

# 4. Back-propagate the sum of h. The gradient reaching h_prev is
#    dL/dh_prev = (1 - h^2) Wh^T: the per-step factor that, multiplied T times,
#    makes gradients vanish (|factor| < 1) or explode (> 1).
h.sum().backward()
by_hand = (1 - h.numpy() ** 2) @ Wh.numpy().T
print("dL/dh_prev from backward():", np.round(h_prev.grad.numpy(), 4))
print("dL/dh_prev by hand:        ", np.round(by_hand, 4))
assert np.allclose(h_prev.grad.numpy(), by_hand)

# 5. Every op's gradient can be checked against finite differences.
print("gradcheck of the step:", mg.gradcheck(lambda w: mg.tanh(x_t @ Wx + h_prev @ w + b), [Wh]))
