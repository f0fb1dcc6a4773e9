"""The GPU check's PyTorch half: times the networks check.mjs timed (their resolved @cdm/unet
configs and batch sizes, read from its JSON report), built by @cdm/unet's PyTorch reference
(torch_reference.py beside this file), on CUDA when there is a device, else on the CPU (it says
which). Same step as check.mjs: MSE loss, backward, Adam. Prints one JSON line.

Usage: python3 torch_cuda.py REPORT.json [--steps 3]
"""
import argparse, importlib.util, json, os, time

import torch
import torch.nn.functional as F


def reference():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'torch_reference.py')
    spec = importlib.util.spec_from_file_location('cdm_unet_reference', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best_ms(fn, steps, device):
    """Best of `steps` after one warm-up, synchronising so that the GPU's work is counted."""
    def once():
        if device.type == 'cuda':
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if device.type == 'cuda':
            torch.cuda.synchronize()
        return (time.perf_counter() - t0) * 1000
    once()
    return min(once() for _ in range(steps))


def time_net(UNet, cfg, batch, steps, device):
    net = UNet(cfg).to(device)
    for m in net.modules():
        if isinstance(m, torch.nn.Dropout):
            m.p = cfg.get('dropout', 0.0)  # the reference builds p = 0; cdm's step applies the config's
    size = cfg['imageSize']
    x = torch.randn(batch, cfg['inChannels'], size, size, device=device)
    target = torch.randn(batch, cfg['outChannels'] * (2 if cfg['learnSigma'] else 1), size, size, device=device)
    t = torch.arange(batch, device=device) * 61 % 1000
    y = torch.arange(batch, device=device) % cfg['numClasses'] if cfg['numClasses'] else None
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)

    def forward():
        net.eval()
        with torch.no_grad():
            net(x, t, y=y)

    def train_step():
        net.train()
        opt.zero_grad(set_to_none=True)
        F.mse_loss(net(x, t, y=y), target).backward()
        opt.step()

    result = {'forwardMs': best_ms(forward, steps, device), 'trainStepMs': best_ms(train_step, steps, device),
              'params': sum(p.numel() for p in net.parameters())}
    del net, opt
    if device.type == 'cuda':
        torch.cuda.empty_cache()
    return result


def main():
    p = argparse.ArgumentParser()
    p.add_argument('report')
    p.add_argument('--steps', type=int, default=3)
    a = p.parse_args()
    with open(a.report) as f:
        report = json.load(f)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    # float32 on both sides: WebGPU computes in fp32, so TF32 (cuDNN's default for convolutions) is off.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    name = torch.cuda.get_device_name(0) if device.type == 'cuda' else f'CPU ({torch.get_num_threads()} threads)'
    UNet = reference().UNet
    torch.manual_seed(0)
    nets = []
    for n in report['nets']:
        if 'config' not in n:
            continue
        try:
            nets.append({'id': n['id'], 'batch': n['batch'], **time_net(UNet, n['config'], n['batch'], a.steps, device)})
        except Exception as error:  # e.g. out of memory: report it, keep the other rows
            nets.append({'id': n['id'], 'batch': n['batch'], 'error': str(error).split('\n')[0]})
    print(json.dumps({'torch': torch.__version__, 'device': device.type, 'deviceName': name,
                      'precision': 'float32 (TF32 off)', 'nets': nets}))


if __name__ == '__main__':
    main()
