"""The trainable topics: one module per task, and the registry that names them.

A task module is library code (configs import it; it parses no flags) with

    def build_data(cfg) -> jaxdl.data.Data            # Data.spec: the values the data decides
    def build_model(cfg, spec, rngs: nnx.Rngs) -> nnx.Module
    def loss_fn(model, batch, rng) -> tuple[jax.Array, dict]
    def build_optimizer(cfg) -> optax.GradientTransformation   # optional; default: cfg.opt AdamW
    CONFIG_RULES = {"model.layers": config.count(), ...}       # optional: what its keys accept
    def check_config(cfg) -> None                             # optional: rules between keys

plus its config builders and presets. `jaxdl.train.fit(cfg, workdir, task)` trains any of them;
the entry point `python -m jaxdl.experiments.<topic>` is `jaxdl.cli.run(task, modes)`.
"""

from types import ModuleType

from jaxdl import registry

# Topic (the name on the command line) -> its task module.
REGISTRY = {
    "intro": "jaxdl.tasks.intro",
    "nanogpt": "jaxdl.tasks.nanogpt",
    "makemore": "jaxdl.tasks.makemore",
    "cnn": "jaxdl.tasks.image",
    "vit": "jaxdl.tasks.image",
    "transfer": "jaxdl.tasks.transfer",
    "classify": "jaxdl.tasks.classify",
    "instruct": "jaxdl.tasks.instruct",
    "word2vec": "jaxdl.tasks.word2vec",
    "autoencoder": "jaxdl.tasks.autoencoder",
    "vae": "jaxdl.tasks.vae",
    "gan": "jaxdl.tasks.gan",
    "diffusion": "jaxdl.tasks.diffusion",
    "seq2seq": "jaxdl.tasks.seq2seq",
    "text_classify": "jaxdl.tasks.text_classify",
}


def get(topic: str) -> ModuleType:
    return registry.lookup(REGISTRY, topic, "topic")
