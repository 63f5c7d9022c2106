"""The image-classifier registry: a model name in a config -> the class that builds it.

Every classifier has one interface: `Model(*, num_classes, in_channels, rngs, **hyper)` and
`model(x_BHWC, rngs=None) -> logits_BK` (rngs: the dropout key stream, None at eval). Entries are
"module:Class" strings imported on first use (jaxdl/registry.py).
"""

from flax import nnx

from jaxdl import registry

MODELS: dict[str, str] = {
    "lenet5": "jaxdl.nn.cnn:LeNet5",
    "vgg": "jaxdl.nn.cnn:VGG",
    "small_cnn": "jaxdl.nn.cnn:SmallCNN",
    "vit": "jaxdl.nn.vit:ViT",
    "alexnet": "jaxdl.nn.alexnet:AlexNet",
    "resnet18": "jaxdl.nn.resnet:ResNet18",
    "resnet34": "jaxdl.nn.resnet:ResNet34",
    "resnet50": "jaxdl.nn.resnet:ResNet50",
    "mobilenet_v2": "jaxdl.nn.mobilenet:MobileNetV2",
}


def model_class(name: str) -> type:
    """The class registered under `name`; an unknown name is a UserError naming the known ones."""
    return registry.lookup(MODELS, name, "model")


def build(name: str, *, num_classes: int, in_channels: int, rngs: nnx.Rngs, **hyper) -> nnx.Module:
    return model_class(name)(num_classes=num_classes, in_channels=in_channels, rngs=rngs, **hyper)
