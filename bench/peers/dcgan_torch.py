"""The reference workloads of bench/README.md in PyTorch: the PyTorch examples DCGAN
(github.com/pytorch/examples, dcgan/main.py) for 64×64, and the same family with three
up-sampling blocks for 32×32. The only change from the example is that D ends in logits
(no Sigmoid) because the step uses BCE-with-logits, as ganvas's non-saturating loss does.

Shared by the peer scripts (torch_peer.py, onnx_export.py); ganvas builds the same networks from
bench/configs/*.toml.
"""

import torch
from torch import nn

WORKLOADS = {
    # name: (resolution, channels)
    "dcgan64": (64, 3),
    "dcgan32-rgb": (32, 3),
    "dcgan32-grey": (32, 1),
}
NZ = 100
WIDTH = 64  # ngf = ndf
BATCH = 64


def _ups(resolution):
    """Stride-2 blocks after the first 1×1 → 4×4 transposed convolution."""
    return {32: 2, 64: 3}[resolution]


class Generator(nn.Module):
    def __init__(self, resolution, channels, nz=NZ, ngf=WIDTH):
        super().__init__()
        ups = _ups(resolution)
        width = ngf << ups
        layers = [nn.ConvTranspose2d(nz, width, 4, 1, 0, bias=False), nn.BatchNorm2d(width), nn.ReLU(True)]
        for _ in range(ups):
            layers += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(width // 2), nn.ReLU(True)]
            width //= 2
        layers += [nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, resolution, channels, ndf=WIDTH):
        super().__init__()
        ups = _ups(resolution)
        layers = [nn.Conv2d(channels, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
        width = ndf
        for _ in range(ups):
            layers += [nn.Conv2d(width, width * 2, 4, 2, 1, bias=False),
                       nn.BatchNorm2d(width * 2), nn.LeakyReLU(0.2, inplace=True)]
            width *= 2
        layers += [nn.Conv2d(width, 1, 4, 1, 0, bias=False)]
        self.main = nn.Sequential(*layers)

    def forward(self, x):
        return self.main(x).view(-1)


def weights_init(m):
    """The example's initialisation: N(0, 0.02) convolutions, N(1, 0.02) BatchNorm scales."""
    name = m.__class__.__name__
    if name.find("Conv") != -1:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif name.find("BatchNorm") != -1:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def build(name, seed=1):
    resolution, channels = WORKLOADS[name]
    torch.manual_seed(seed)
    g, d = Generator(resolution, channels), Discriminator(resolution, channels)
    g.apply(weights_init)
    d.apply(weights_init)
    return g, d
