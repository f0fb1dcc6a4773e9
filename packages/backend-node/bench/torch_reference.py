"""PyTorch reference for bench/run.mjs: the same reduced U-Net (bench/small-unet.mjs), batch and
optimizer, timed on the CPU. Prints one JSON line. Usage: python3 bench/torch_reference.py
--batch 16 --channels 64 --threads 2 --steps 5

With --unet-config JSON (a resolved @cdm/unet config, as bench/run.mjs passes it) it times that
ADM U-Net instead, built by @cdm/unet's own PyTorch reference (packages/unet/scripts/
torch_reference.py, which mirrors guided-diffusion's UNetModel parameter for parameter).
Its dropout layers get the config's dropout (or --dropout), as cdm's train step applies it.

--mode sample times one sampler step of that network (batch 2B with --guided 1: classifier-free
guidance's two passes batched); --mode rss runs --rss-steps training steps (default 3) and prints the peak RSS.
Every mode also reports the BLAS library the process mapped and OMP_WAIT_POLICY.
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


def loaded_blas():
    """The BLAS library this process actually mapped (the netlib reference or OpenBLAS)."""
    try:
        with open('/proc/self/maps') as maps:
            paths = {line.split()[-1] for line in maps if 'blas' in line.lower() and '/' in line}
        return sorted(os.path.realpath(p) for p in paths)
    except OSError:
        return []


def peak_rss_bytes():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def load_unet(cfg, dropout):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'unet', 'scripts', 'torch_reference.py')
    spec = importlib.util.spec_from_file_location('cdm_unet_reference', path)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    unet = reference.UNet(cfg)
    # The reference module builds its Dropout layers with p = 0; cdm's train step applies the
    # config's dropout, so the same work on both sides means setting it here.
    for m in unet.modules():
        if isinstance(m, nn.Dropout):
            m.p = dropout
    return unet


def sample_steps(cfg, batch, guided, steps):
    """Per-step time of a sampler step: one forward without gradients (batch 2B when classifier-free
    guidance batches the conditional and unconditional passes), the guidance mix and a DDPM update."""
    unet = load_unet(cfg, 0.0).eval()
    size, classes = cfg['imageSize'], cfg['numClasses']
    n = 2 * batch if guided else batch
    x = torch.randn(batch, cfg['inChannels'], size, size)
    # Class labels; with guidance the unconditional half gets the null class (row `classes` of label_emb).
    y = None
    if classes:
        y = torch.arange(batch) % classes
        if guided:
            y = torch.cat([y, torch.full((batch,), classes, dtype=torch.long)])
    sr = cfg['superRes']
    # The cascade hands the network the low-resolution image already upsampled to its resolution.
    low = torch.randn(n, sr['lowResChannels'], size, size) if sr else None
    aug = torch.zeros(n, dtype=torch.long) if cfg['augLevelEmbedding'] else None
    t = torch.full((n,), 500, dtype=torch.long)

    def step():
        with torch.no_grad():
            inp = torch.cat([x, x]) if guided else x
            out = unet(inp, t, y=y, low_res=low, aug_level=aug)[:, : cfg['outChannels']]
            eps = out[:batch] + 2.0 * (out[:batch] - out[batch:]) if guided else out
            return 1.01 * (x - 0.02 * eps) + 0.1 * torch.randn_like(x)

    return best_ms(step, steps)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--channels', type=int, default=64)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--steps', type=int, default=5)
    p.add_argument('--unet-config', default=None)
    p.add_argument('--dropout', type=float, default=None, help="the U-Net's dropout in training (default: the config's)")
    p.add_argument('--mode', choices=['time', 'sample', 'rss'], default='time')
    p.add_argument('--guided', type=int, default=0, help='sample mode: 1 = classifier-free guidance, batched (2B)')
    p.add_argument('--rss-steps', type=int, default=3, help='rss mode: training steps to run')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    common = {'torch': torch.__version__, 'threads': a.threads, 'batch': a.batch, 'blas': loaded_blas(),
              'ompWaitPolicy': os.environ.get('OMP_WAIT_POLICY')}
    if a.mode == 'sample':
        cfg = json.loads(a.unet_config)
        ms = sample_steps(cfg, a.batch, a.guided == 1, a.steps)
        print(json.dumps({**common, 'stepMs': ms, 'guided': a.guided == 1, 'blas': loaded_blas()}))
        return
    if a.unet_config:
        cfg = json.loads(a.unet_config)
        dropout = cfg.get('dropout', 0.0) if a.dropout is None else a.dropout
        unet = load_unet(cfg, dropout)
        size, classes = cfg['imageSize'], cfg['numClasses']
        t = torch.randint(0, 1000, (a.batch,))
        y = torch.randint(0, classes, (a.batch,)) if classes else None
        sr = cfg['superRes']
        low = torch.randn(a.batch, sr['lowResChannels'], size // 2, size // 2) if sr else None
        aug = torch.zeros(a.batch, dtype=torch.long) if cfg['augLevelEmbedding'] else None
        model = lambda inp: unet(inp, t, y=y, low_res=low, aug_level=aug)
        params = list(unet.parameters())
        train_mode = lambda on: unet.train(on)
    else:
        net = SmallUNet(a.channels)
        dropout = 0.0  # bench/small-unet.mjs has no dropout either
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

    if a.mode == 'rss':
        for _ in range(a.rss_steps):
            train_step()
        print(json.dumps({**common, 'dropout': dropout, 'peakRssBytes': peak_rss_bytes()}))
        return
    a_mm = torch.randn(1024, 1024)
    b_mm = torch.randn(1024, 1024)
    matmul_ms = best_ms(lambda: a_mm @ b_mm, 10)
    print(json.dumps({
        **common, 'dropout': dropout,
        'params': sum(p.numel() for p in params),
        'forwardMs': best_ms(forward, a.steps), 'trainStepMs': best_ms(train_step, a.steps),
        'matmulGflops': 2 * 1024 ** 3 / (matmul_ms / 1000) / 1e9,
        'blas': loaded_blas(),
    }))


if __name__ == '__main__':
    main()
