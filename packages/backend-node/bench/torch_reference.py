"""PyTorch reference for bench/run.mjs: the same reduced U-Net (bench/small-unet.mjs), batch and
optimizer, timed on the CPU. Prints one JSON line. Usage: python3 bench/torch_reference.py
--batch 16 --channels 64 --threads 2 --steps 5

With --unet-config JSON (a resolved @cdm/unet config, as bench/run.mjs passes it) it times that
ADM U-Net instead, built by @cdm/unet's own PyTorch reference (packages/unet/scripts/
torch_reference.py, which mirrors guided-diffusion's UNetModel parameter for parameter).
"""
import argparse, importlib.util, json, os, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class Norm(nn.GroupNorm):
    def __init__(self, c):
        super().__init__(min(8, c), c, eps=1e-5)


class ResBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.n1, self.c1 = Norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.n2, self.c2 = Norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        h = self.c1(F.silu(self.n1(x)))
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n, self.qkv, self.proj = Norm(c), nn.Conv2d(c, 3 * c, 1), nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.n(x)).reshape(b, 3 * c, h * w).chunk(3, dim=1)
        weights = torch.softmax(torch.einsum('bct,bcs->bts', q, k) / c ** 0.5, dim=-1)
        return x + self.proj(torch.einsum('bts,bcs->bct', weights, v).reshape(b, c, h, w))


class SmallUNet(nn.Module):
    def __init__(self, C=64):
        super().__init__()
        self.inConv = nn.Conv2d(3, C, 3, padding=1)
        self.r0, self.down0 = ResBlock(C, C), nn.Conv2d(C, C, 3, stride=2, padding=1)
        self.r1, self.down1 = ResBlock(C, 2 * C), nn.Conv2d(2 * C, 2 * C, 3, stride=2, padding=1)
        self.r2, self.attn = ResBlock(2 * C, 2 * C), Attention(2 * C)
        self.up1, self.ur1 = nn.Conv2d(2 * C, 2 * C, 3, padding=1), ResBlock(4 * C, 2 * C)
        self.up0, self.ur0 = nn.Conv2d(2 * C, 2 * C, 3, padding=1), ResBlock(3 * C, C)
        self.outNorm, self.outConv = Norm(C), nn.Conv2d(C, 3, 3, padding=1)

    def forward(self, x):
        up = lambda t: F.interpolate(t, scale_factor=2, mode='nearest')
        h0 = self.r0(self.inConv(x))
        h1 = self.r1(self.down0(h0))
        h2 = self.attn(self.r2(self.down1(h1)))
        u1 = self.ur1(torch.cat([self.up1(up(h2)), h1], 1))
        u0 = self.ur0(torch.cat([self.up0(up(u1)), h0], 1))
        return self.outConv(F.silu(self.outNorm(u0)))


def best_ms(fn, steps):
    """Best of `steps` runs after two warm-ups (other jobs on a shared machine only add time)."""
    fn()
    fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--channels', type=int, default=64)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--unet-config', default=None)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    if a.unet_config:
        cfg = json.loads(a.unet_config)
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'unet', 'scripts', 'torch_reference.py')
        spec = importlib.util.spec_from_file_location('cdm_unet_reference', path)
        reference = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(reference)
        unet = reference.UNet(cfg)
        size, classes = cfg['imageSize'], cfg['numClasses']
        t = torch.randint(0, 1000, (a.batch,))
        y = torch.randint(0, classes, (a.batch,)) if classes else None
        model = lambda inp: unet(inp, t, y=y)
        params = list(unet.parameters())
        train_mode = lambda on: unet.train(on)
    else:
        net = SmallUNet(a.channels)
        size, model, params, train_mode = 32, net, list(net.parameters()), lambda on: net.train(on)
    opt = torch.optim.Adam(params, lr=1e-4)
    x = torch.randn(a.batch, 3, size, size)
    target = torch.randn(a.batch, 3, size, size)

    def forward():
        train_mode(False)
        with torch.no_grad():
            model(x)

    def train_step():
        train_mode(True)
        opt.zero_grad(set_to_none=True)
        F.mse_loss(model(x), target).backward()
        opt.step()

    a_mm = torch.randn(1024, 1024)
    b_mm = torch.randn(1024, 1024)
    matmul_ms = best_ms(lambda: a_mm @ b_mm, 10)
    print(json.dumps({
        'torch': torch.__version__, 'threads': a.threads, 'batch': a.batch,
        'params': sum(p.numel() for p in params),
        'forwardMs': best_ms(forward, a.steps), 'trainStepMs': best_ms(train_step, a.steps),
        'matmulGflops': 2 * 1024 ** 3 / (matmul_ms / 1000) / 1e9,
    }))


if __name__ == '__main__':
    main()
