"""models.torch_lm: a trained language model moves to PyTorch and back, the same model."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import minigrad as mg  # noqa: E402
from models.lm import LanguageModel  # noqa: E402
from models.torch_lm import TorchLanguageModel, from_torch, to_torch  # noqa: E402


def _lm(cell, tie, layers=2):
    mg.manual_seed(3)
    lm = LanguageModel(17, embed_dim=8, hidden_size=8, num_layers=layers, cell=cell,
                       dropout=0.2, tie_weights=tie)
    return lm.to("float64").eval()


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("tie", [False, True])
def test_to_torch_gives_the_same_logits_states_and_gradients(cell, tie):
    lm = _lm(cell, tie)
    tlm = to_torch(lm)
    assert isinstance(tlm, TorchLanguageModel) and not tlm.training
    assert (tlm.decoder.weight is tlm.embedding.weight) == tie
    ids = np.random.default_rng(0).integers(0, 17, size=(6, 3))
    logits, state = lm(ids)
    t_logits, t_state = tlm(torch.from_numpy(ids))
    np.testing.assert_allclose(logits.numpy(), t_logits.detach().numpy(), atol=1e-12)
    h, t_h = (state[0], t_state[0]) if cell == "lstm" else (state, t_state)
    np.testing.assert_allclose(h.numpy(), t_h.detach().numpy(), atol=1e-12)
    w = np.random.default_rng(1).standard_normal(logits.shape)
    (logits * mg.tensor(w)).sum().backward()
    (t_logits * torch.from_numpy(w)).sum().backward()
    t_grads = dict(tlm.named_parameters())
    for name, p in lm.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_grads[name].grad.numpy(), atol=1e-10,
                                   err_msg=name)


@pytest.mark.parametrize("tie", [False, True])
def test_from_torch_brings_a_trained_torch_model_back(tie):
    torch.manual_seed(0)
    tlm = TorchLanguageModel(11, 6, 6, 1, "lstm", tie_weights=tie).double().eval()
    opt = torch.optim.SGD(tlm.parameters(), lr=0.5)
    ids = torch.randint(0, 11, (8, 2))
    for _ in range(3):  # change the weights away from any initialisation
        opt.zero_grad()
        logits, _ = tlm(ids[:-1])
        torch.nn.functional.cross_entropy(logits.reshape(-1, 11), ids[1:].reshape(-1)).backward()
        opt.step()
    lm = from_torch(tlm)
    assert isinstance(lm, LanguageModel) and lm.config == tlm.config
    assert (lm.decoder.weight is lm.embedding.weight) == tie
    logits, _ = lm(ids.numpy())
    np.testing.assert_allclose(logits.numpy(), tlm(ids)[0].detach().numpy(), atol=1e-12)
    assert lm.embedding.weight.dtype == np.float64
