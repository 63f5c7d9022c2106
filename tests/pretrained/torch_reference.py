"""Plain torch.nn versions of torchvision's AlexNet, ResNet and MobileNetV2 (torchvision itself does
not import beside torch 2.13 here), with torchvision's module names, so their state_dicts look
like torchvision checkpoints. Written from the papers' and torchvision's architecture, for the
parity tests only. Import after `pytest.importorskip("torch")`."""

import torch
from torch import nn


def randomize(module: nn.Module, seed: int = 0) -> nn.Module:
    """Random BatchNorm scales, shifts and running statistics (fresh ones are 1/0 and would hide
    a swapped or ignored statistic); Linear weights x3 (torch's default init shrinks the signal
    about 2.4x per ReLU layer, which would leave AlexNet's logits near 0.01); eval mode."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, nn.Linear):
                layer.weight.mul_(3)
            if isinstance(layer, nn.BatchNorm2d):
                n = layer.num_features
                layer.weight.copy_(1 + 0.2 * torch.randn(n, generator=generator))
                layer.bias.copy_(0.2 * torch.randn(n, generator=generator))
                layer.running_mean.copy_(0.2 * torch.randn(n, generator=generator))
                layer.running_var.copy_(0.5 + torch.rand(n, generator=generator))
    return module.eval()


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.downsample = downsample(cin, width, stride)

    def forward(self, x):
        h = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(h + (x if self.downsample is None else self.downsample(x)))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, width * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(width * 4)
        self.downsample = downsample(cin, width * 4, stride)

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        h = torch.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return torch.relu(h + (x if self.downsample is None else self.downsample(x)))


def downsample(cin, cout, stride):
    if stride == 1 and cin == cout:
        return None
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


class ResNet(nn.Module):
    def __init__(self, block, stage_blocks, num_classes, in_channels=3, stem="imagenet",
                 width=64):
        super().__init__()
        self.stem = stem
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, width, 7, 2, 3, bias=False)
        else:
            self.conv1 = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        cin = width
        for stage, count in enumerate(stage_blocks):
            layers = []
            for i in range(count):
                layers.append(block(cin, width * 2**stage, 2 if stage and not i else 1))
                cin = width * 2**stage * block.expansion
            setattr(self, f"layer{stage + 1}", nn.Sequential(*layers))
        self.num_stages = len(stage_blocks)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        if self.stem == "imagenet":
            h = nn.functional.max_pool2d(h, 3, 2, 1)
        for stage in range(self.num_stages):
            h = getattr(self, f"layer{stage + 1}")(h)
        return self.fc(h.mean((2, 3)))


def conv_bn_relu6(cin, cout, k=3, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU6())


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hidden = cin * t
        self.use_residual = stride == 1 and cin == cout
        layers = [conv_bn_relu6(cin, hidden, 1)] if t != 1 else []
        layers += [conv_bn_relu6(hidden, hidden, 3, stride, groups=hidden),
                   nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_residual else self.conv(x)


class MobileNetV2(nn.Module):
    """Width multiplier 1 or 0.5 (widths below are those torchvision's rounding gives)."""

    def __init__(self, num_classes, width_multiplier=1.0):
        super().__init__()
        stages = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                  (6, 160, 3, 2), (6, 320, 1, 1)]
        half = {32: 16, 16: 8, 24: 16, 64: 32, 96: 48, 160: 80, 320: 160}
        scale = (lambda c: c) if width_multiplier == 1.0 else half.get
        cin = scale(32)
        layers = [conv_bn_relu6(3, cin, 3, 2)]
        for t, c, n, s in stages:
            for i in range(n):
                layers.append(InvertedResidual(cin, scale(c), s if i == 0 else 1, t))
                cin = scale(c)
        layers.append(conv_bn_relu6(cin, 1280, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x).mean((2, 3)))


class AlexNet(nn.Module):
    def __init__(self, num_classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(), nn.Linear(256 * 36, 4096), nn.ReLU(),
            nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))
