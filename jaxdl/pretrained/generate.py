"""Text from a pretrained language model, streamed as it is decoded.

  python -m jaxdl.pretrained.generate --model=smollm2-135m-instruct --chat \
      --prompt="What is the capital of France?"
  python -m jaxdl.pretrained.generate --model=gpt2 --download --prompt="Alan Turing" \
      --temperature=0.8 --top_p=0.95 --seed=1

Several --prompt flags: without --chat they are continued together in one batch (left-padded;
each gets the tokens it would get alone); with --chat they are the user's turns of one
conversation. --chat without --prompt reads turns from standard input until an empty line.
Decoding is `jaxdl.sample.generate`, the jitted KV-cached loop the nanoGPT sampler runs too.
"""

import sys

from absl import app, flags, logging

from jaxdl.errors import UserError
from jaxdl.pretrained import lm_store
from jaxdl.pretrained.lm_registry import MODELS
from jaxdl.pretrained.textgen import Streamer, complete

MODEL = flags.DEFINE_string("model", "smollm2-135m-instruct",
                            f"One of {', '.join(MODELS)}, or a save_pretrained folder / .gguf file.")
PROMPT = flags.DEFINE_multi_string("prompt", [], "Text to continue (repeat for a batch), or with "
                                   "--chat the user's turns.")
CHAT = flags.DEFINE_bool("chat", False, "Apply the model's chat template and keep a conversation.")
MAX_NEW_TOKENS = flags.DEFINE_integer("max_new_tokens", 128, "Most tokens to generate per prompt.")
TEMPERATURE = flags.DEFINE_float("temperature", 0.0, "0 = greedy (argmax); else sample.")
TOP_K = flags.DEFINE_integer("top_k", None, "Sample among the k most probable tokens.")
TOP_P = flags.DEFINE_float("top_p", None, "Sample among the most probable tokens holding this mass.")
SEED = flags.DEFINE_integer("seed", 0, "Random seed of the sampling.")
DOWNLOAD = flags.DEFINE_bool("download", False, "Fetch a model missing here from the Hugging Face "
                             "Hub (needs huggingface_hub).")


def chat_turns():
    if PROMPT.value:
        yield from PROMPT.value
        return
    while (line := input("> ").strip()):
        yield line


def main(argv):
    del argv
    logging.set_verbosity(logging.WARNING)
    options = dict(max_new_tokens=MAX_NEW_TOKENS.value, temperature=TEMPERATURE.value,
                   top_k=TOP_K.value, top_p=TOP_P.value, seed=SEED.value)
    try:
        model, tokenizer = lm_store.load(MODEL.value, download=DOWNLOAD.value)
        if tokenizer is None:
            raise UserError(f"{MODEL.value} comes without a tokenizer.")
        streamer = Streamer(tokenizer)
        if CHAT.value:
            messages = []
            for turn in chat_turns():
                messages.append({"role": "user", "content": turn})
                print(f"user: {turn}\nassistant: ", end="", flush=True)
                streamer.reset()
                answer = complete(model, tokenizer, [tokenizer.chat_prompt(messages)],
                                  on_token=streamer, **options)[0]
                print()
                messages.append({"role": "assistant", "content": answer})
        elif len(PROMPT.value) == 1:
            print(PROMPT.value[0], end="", flush=True)
            complete(model, tokenizer, PROMPT.value, on_token=streamer, **options)
            print()
        elif PROMPT.value:
            for prompt, text in zip(PROMPT.value, complete(model, tokenizer, PROMPT.value,
                                                           **options)):
                print(f"{prompt}{text}\n---")
        else:
            raise UserError("Give --prompt=TEXT (or --chat to type turns).")
    except UserError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    app.run(main)
