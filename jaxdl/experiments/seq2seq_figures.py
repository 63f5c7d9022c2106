"""Attention-map figures of a trained seq2seq workdir: where each output character looks.

For three test dates in three spellings, the decoder's cross-attention weights over the source
characters (the transformer's: every decoder layer, averaged over heads; the GRU's: alpha).
"""

import pathlib

import jax.numpy as jnp
import numpy as np

from jaxdl import checkpoint, figures
from jaxdl.data import dates
from jaxdl.tasks import seq2seq

EXAMPLES = ((35000, "words", 0), (20000, "month_first", 1), (45000, "european_dots", 0))


def attention_figure(workdir, out_dir) -> pathlib.Path:
    model, cfg, _ = checkpoint.load_model(workdir, seq2seq.build_model)
    model.eval()
    texts = [dates.spell(day, fmt, case) for day, fmt, case in EXAMPLES]
    source = jnp.asarray(np.stack([dates.encode(src, dates.SOURCE_LEN) for src, _ in texts]))
    target_in = jnp.asarray(np.stack([[dates.BOS, *dates.encode(iso, dates.TARGET_LEN - 1)]
                                      for _, iso in texts]))
    maps_LBTS = np.asarray(model.attention_maps(source, target_in)).mean(2)  # over heads
    layers = maps_LBTS.shape[0]
    plt = figures.pyplot()
    fig, axes = plt.subplots(layers, len(texts), squeeze=False,
                             figsize=(4.2 * len(texts), 2.2 * layers + 0.4))
    for row in range(layers):
        for col, (src, iso) in enumerate(texts):
            ax = axes[row, col]
            ax.imshow(maps_LBTS[row, col, :, :len(src)], cmap="Greys", vmin=0,
                      aspect="auto")
            ax.set_xticks(range(len(src)), list(src), fontsize=6)
            ax.set_yticks(range(dates.TARGET_LEN), [*iso, "</s>"], fontsize=6)
            if layers > 1:
                ax.set_title(f"decoder layer {row + 1}", fontsize=8)
    name = cfg.model.name
    fig.suptitle(f"{name}: cross-attention of each output character (rows) over the source "
                 f"(columns)", fontsize=9)
    out = pathlib.Path(out_dir) / f"attention_{name}.png"
    figures.save(fig, out)
    return out
