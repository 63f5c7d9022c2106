"""Tiny random Hugging Face models (GPT-2, Llama with grouped-query attention, BERT), written with
`save_pretrained` for the parity tests. Import after `pytest.importorskip("transformers")`."""

import torch
import transformers

VOCAB = 97


def gpt2():
    config = transformers.GPT2Config(vocab_size=VOCAB, n_positions=32, n_embd=32, n_layer=2,
                                     n_head=4)
    return transformers.GPT2LMHeadModel(config)


def llama(tied=False):
    config = transformers.LlamaConfig(
        vocab_size=VOCAB, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
        rope_theta=1000.0, rms_norm_eps=1e-5, tie_word_embeddings=tied)
    return transformers.LlamaForCausalLM(config)


def bert():
    config = transformers.BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2,
                                     num_attention_heads=4, intermediate_size=48,
                                     max_position_embeddings=40, type_vocab_size=2)
    return transformers.BertModel(config, add_pooling_layer=False)


def saved(make, folder, seed=0):
    """A model with random weights (larger than the default init, and random norms and biases,
    so that a swapped or dropped tensor shows) saved to `folder`; returned in eval mode."""
    torch.manual_seed(seed)
    model = make()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 1:
                p.copy_((1.0 if "weight" in name else 0.0) + 0.1 * torch.randn_like(p))
            else:
                p.normal_(0.0, 0.2)
    model.save_pretrained(folder)
    return model.eval()
