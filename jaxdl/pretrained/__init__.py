"""Pretrained ImageNet classifiers: torch checkpoints read safely, converted to our Flax models.

torchfile   read torch.save files (zip and legacy) into NumPy with a restricted unpickler
convert     torchvision state_dict -> our model (layouts, BatchNorm statistics); our own format
weights     the checkpoints we know: offline package, cache, canonical URLs with sha256
imagenet    ImageNet preprocessing and the 1000 class names
classify    python -m jaxdl.pretrained.classify --model=mobilenet_v2 IMAGE...
"""
