"""Bad input gets an error from minigrad naming the op and the shapes."""
import numpy as np
import pytest

import minigrad as mg


def test_matmul_shape_mismatch_names_both_shapes():
    a, b = mg.ones(2, 3), mg.ones(2, 3)
    with pytest.raises(ValueError, match=r"^matmul: cannot multiply \(2, 3\) by \(2, 3\)"):
        a @ b


def test_matmul_batch_mismatch_and_scalars():
    batch = r"matmul: batch dimensions of \(2, 3, 4\) and \(5, 4, 2\)"
    with pytest.raises(ValueError, match=batch):
        mg.ones(2, 3, 4) @ mg.ones(5, 4, 2)
    with pytest.raises(ValueError, match="at least 1 dimension"):
        mg.matmul(mg.tensor(2.0), mg.ones(2))


@pytest.mark.parametrize("op,name", [(lambda a, b: a + b, "add"), (lambda a, b: a * b, "mul"),
                                     (lambda a, b: a - b, "sub"), (lambda a, b: a / b, "div"),
                                     (mg.maximum, "maximum")])
def test_broadcast_failures_name_the_op_and_shapes(op, name):
    message = rf"^{name}: shapes \(2, 3\) and \(4,\) cannot be broadcast"
    with pytest.raises(ValueError, match=message):
        op(mg.ones(2, 3), mg.ones(4))


def test_reshape_and_axis_errors():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape \(2, 3\) \(6 elements\)"):
        mg.ones(2, 3).reshape(4, 2)
    with pytest.raises(ValueError, match="sum: axis 2 is out of range"):
        mg.ones(2, 3).sum(axis=2)
    with pytest.raises(ValueError, match="cat: shapes"):
        mg.cat([mg.ones(2, 3), mg.ones(2, 4)])
    with pytest.raises(ValueError, match="stack: all tensors need the same shape"):
        mg.stack([mg.ones(2), mg.ones(3)])
    with pytest.raises(ValueError, match=r"split: sizes \[1, 1\] add up to 2"):
        mg.split(mg.ones(3), [1, 1])


def test_indexing_errors():
    with pytest.raises(IndexError, match=r"getitem: index .* shape \(2, 3\)"):
        mg.ones(2, 3)[5]
    with pytest.raises(IndexError, match=r"embedding: indices must be in \[0, 3\), got \[7\]"):
        mg.embedding(mg.ones(3, 2), np.array([0, 7]))
    with pytest.raises(TypeError, match="embedding: indices must be integers"):
        mg.embedding(mg.ones(3, 2), np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="where: condition must be boolean"):
        mg.where(np.array([1, 0]), mg.ones(2), mg.zeros(2))
