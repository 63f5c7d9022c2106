"""The math of generative models, separate from any task: diffusion schedules and samplers,
the VAE bounds, GAN losses, weight averaging, and the Fréchet distance and image grids used to
judge samples."""
