"""Pretrained models: ImageNet classifiers and language models, converted to our Flax modules.

torchfile    read torch.save files (zip and legacy) into NumPy with a restricted unpickler
convert      torchvision state_dict -> our model (layouts, BatchNorm statistics); our own format
weights      the checkpoints we know: offline package, cache, canonical URLs with sha256
imagenet     ImageNet preprocessing and the 1000 class names
classify     python -m jaxdl.pretrained.classify --model=mobilenet_v2 IMAGE...

hf           Hugging Face config.json + safetensors (GPT-2, Llama, BERT) -> our GPT / BertEncoder
gguf_file    GGUF (llama.cpp) files: dequantized, q/k permutation undone
tokenizer    GPT-2 BPE (tiktoken), tokenizer.json and GGUF vocabularies (tokenizers), chat templates
lm_registry  the language models we know: sizes, licenses, sources
lm_store     find (package, Hugging Face cache, --download), convert once, cache, load
textgen      batched, streamed generation;   generate: python -m jaxdl.pretrained.generate
sentences    sentence embeddings;            embed:    python -m jaxdl.pretrained.embed
"""
