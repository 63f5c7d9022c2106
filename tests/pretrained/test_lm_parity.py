"""Torch parity of the language models: tiny random GPT2LMHeadModel, LlamaForCausalLM (grouped-query
attention, rotary, tied and untied heads) and BertModel saved with `save_pretrained`, read by our
safetensors import into our modules: logits / hidden states within 1e-4. Skipped without the
[torch] extra (torch + transformers)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("safetensors")

import jax.numpy as jnp  # noqa: E402

import hf_tiny  # noqa: E402
from jaxdl.pretrained import lm_store  # noqa: E402

CASES = {"gpt2": hf_tiny.gpt2, "llama_gqa": hf_tiny.llama,
         "llama_gqa_tied": lambda: hf_tiny.llama(tied=True)}


@pytest.mark.parametrize("name", CASES)
def test_causal_lm_logits_equal_transformers(name, tmp_path):
    theirs = hf_tiny.saved(CASES[name], tmp_path)
    ours, _ = lm_store.load(str(tmp_path))
    ids = np.random.default_rng(0).integers(0, hf_tiny.VOCAB, (2, 12))
    with torch.no_grad():
        want = theirs(torch.tensor(ids)).logits.numpy()
    assert want.std() > 0.5
    np.testing.assert_allclose(ours(jnp.asarray(ids)), want, atol=1e-4, rtol=1e-4)


def test_bert_hidden_states_equal_transformers_with_padding_and_token_types(tmp_path):
    theirs = hf_tiny.saved(hf_tiny.bert, tmp_path)
    ours, _ = lm_store.load(str(tmp_path))
    ids = np.random.default_rng(1).integers(0, hf_tiny.VOCAB, (2, 12))
    valid = np.ones_like(ids, bool)
    valid[1, 8:] = False
    types = np.zeros_like(ids)
    types[:, 6:] = 1
    with torch.no_grad():
        want = theirs(input_ids=torch.tensor(ids), attention_mask=torch.tensor(valid.astype(int)),
                      token_type_ids=torch.tensor(types)).last_hidden_state.numpy()
    got = np.asarray(ours(jnp.asarray(ids), valid_BT=jnp.asarray(valid),
                          token_types_BT=jnp.asarray(types)))
    np.testing.assert_allclose(got[valid], want[valid], atol=1e-4, rtol=1e-4)
