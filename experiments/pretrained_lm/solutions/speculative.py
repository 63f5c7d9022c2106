"""Exercise 5 (pretrained LM article, research-y): greedy speculative decoding.

A cheap draft model proposes k tokens, one at a time; the target model scores all k in ONE
forward pass and keeps the longest prefix it agrees with, then adds its own next token. Every
kept token is one the target would have chosen greedily, so the output is exactly the greedy
output, in fewer target calls when the draft is often right.

Here the draft is the target's own first layers (shared embeddings and head: "self-speculative"
decoding); the models run uncached on a fixed-length padded row, which the causal mask allows.
The test uses a 4-layer random GPT and a 1-layer draft; `main()` the same with more tokens.
With random weights the residual stream carries the token's own embedding to the head almost
unchanged, so the draft agrees nearly always (24 tokens in 5 target calls with k = 4): that
measures the bookkeeping, not a real draft. The
question of the exercise, a 2-layer draft for the 135M SmolLM2, is the same code with
`lm_store.load("smollm2-135m-instruct")` as the target (30 layers: truncate to 2).

  python experiments/pretrained_lm/solutions/speculative.py
"""

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from jaxdl.nn.gpt import GPT


def target_and_draft(layers: int = 4, draft_layers: int = 1, seed: int = 0):
    target = GPT(vocab_size=64, block_size=64, layers=layers, heads=2, width=32, dropout=0.0,
                 rngs=nnx.Rngs(seed))
    target.eval()
    draft = nnx.clone(target)
    draft.blocks = nnx.List(list(draft.blocks)[:draft_layers])
    return target, draft


def greedy_fn(model, length: int):
    """tokens [length] (padded) -> the greedy next token after every position."""
    graphdef, state = nnx.split(model)
    jitted = jax.jit(lambda s, t: jnp.argmax(nnx.merge(graphdef, s)(t[None])[0], -1))
    return lambda tokens: np.asarray(jitted(state, jnp.asarray(tokens)))


def greedy(target_next, prompt, new_tokens, length):
    row = np.zeros(length, np.int32)
    row[:len(prompt)] = prompt
    n = len(prompt)
    for _ in range(new_tokens):
        row[n] = target_next(row)[n - 1]
        n += 1
    return row[len(prompt):n], new_tokens


def speculative(target_next, draft_next, prompt, new_tokens, length, k: int = 4):
    row = np.zeros(length, np.int32)
    row[:len(prompt)] = prompt
    n, target_calls, end = len(prompt), 0, len(prompt) + new_tokens
    while n < end:
        proposal = row.copy()
        for i in range(min(k, end - n)):  # the draft, greedily, one token at a time
            proposal[n + i] = draft_next(proposal)[n + i - 1]
        choices = target_next(proposal)  # the target's next token after every position: one call
        target_calls += 1
        accepted = 0
        while accepted < min(k, end - n) and proposal[n + accepted] == choices[n + accepted - 1]:
            accepted += 1
        row[n:n + accepted] = proposal[n:n + accepted]
        n += accepted
        if n < end:  # the target's own token where the draft was wrong (or after all k)
            row[n] = choices[n - 1]
            n += 1
    return row[len(prompt):end], target_calls


def main(tiny: bool = False):
    new_tokens = 24 if tiny else 48
    length = 8 + new_tokens
    target, draft = target_and_draft()
    target_next, draft_next = greedy_fn(target, length), greedy_fn(draft, length)
    prompt = np.random.default_rng(1).integers(0, 64, 8)
    reference, _ = greedy(target_next, prompt, new_tokens, length)
    out, calls = speculative(target_next, draft_next, prompt, new_tokens, length)
    result = {"same as greedy": bool(np.array_equal(out, reference)), "target calls": calls,
              "tokens per target call": new_tokens / calls}
    print(result)
    return result


if __name__ == "__main__":
    main()
