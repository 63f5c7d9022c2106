"""SmolLM2-135M-Instruct's greedy answers to six questions, each a fresh chat (the model's chat
template), decoded together in one left-padded batch (each gets the tokens it gets alone).

  PYTHONPATH=. python experiments/pretrained_lm/chat_examples.py [--max_new_tokens=60]
"""

import argparse
import time

from jaxdl.pretrained import lm_store
from jaxdl.pretrained.textgen import complete

QUESTIONS = [
    "What is the capital of France?",
    "Name three primary colors.",
    "What is 12 plus 7?",
    "Write a haiku about the sea.",
    "Who wrote Romeo and Juliet?",
    "Explain in one sentence what a neural network is.",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max_new_tokens", type=int, default=60)
    args = parser.parse_args()
    model, tokenizer = lm_store.load("smollm2-135m-instruct")
    prompts = [tokenizer.chat_prompt([{"role": "user", "content": q}]) for q in QUESTIONS]
    start = time.perf_counter()
    answers = complete(model, tokenizer, prompts, max_new_tokens=args.max_new_tokens)
    print(f"({len(QUESTIONS)} chats in one batch, greedy, {time.perf_counter() - start:.1f} s "
          "with compilation)")
    for question, answer in zip(QUESTIONS, answers):
        print(f"Q: {question}\nA: {answer}\n")


if __name__ == "__main__":
    main()
