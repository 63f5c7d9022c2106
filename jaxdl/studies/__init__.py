"""The computations behind the standalone articles (activations, backprop, jax_basics, losses,
normalization, optimizers): `jaxdl.studies.<topic>` computes and returns what its article
measures and is tested; it prints nothing, draws nothing and parses no flags. The runnable entry
point `python -m jaxdl.experiments.<topic>` runs it, prints the article's numbers and draws the
article's figures through `jaxdl.figures`.
"""
