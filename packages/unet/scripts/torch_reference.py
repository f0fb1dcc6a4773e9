#!/usr/bin/python3
"""PyTorch reference for @cdm/unet's numerical-equivalence fixtures.

A minimal, independent re-implementation of the modules of openai/guided-diffusion's `UNetModel`
and `SuperResModel` (same module names and order, so `load_state_dict(strict=True)` checks every
parameter name and shape), plus the two CDM additions (`aug_embed`, the null-class row), and of its
`EncoderUNetModel` classifier with the attention and adaptive pools. Needs only Debian's
python3-torch: safetensors files are read and written with struct + json here. A config with a
`pool` field is a classifier.

  torch_reference.py FIXTURE.safetensors ...   run each fixture's network on its input (float64)
                                               and store the output as tensor "fixture.expected"
  torch_reference.py --count PRESETS.json      print {name: parameter count} for resolved configs,
                                               building the modules on the meta device
"""
import json
import math
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {"F16": (torch.float16, 2), "F32": (torch.float32, 4), "F64": (torch.float64, 8), "I32": (torch.int32, 4), "I64": (torch.int64, 8)}
DTYPE_NAMES = {torch.float16: "F16", torch.float32: "F32", torch.float64: "F64", torch.int32: "I32", torch.int64: "I64"}


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n :]
    tensors = {}
    for name, info in header.items():
        dtype, _ = DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        buf = bytearray(data[begin:end])
        t = torch.frombuffer(buf, dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).clone()
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata} if metadata else {}
    chunks, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        b = t.numpy().tobytes()  # little-endian hosts only, like the reference implementation
        header[name] = {"dtype": DTYPE_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def sinusoidal(t, dim, max_period=10000):
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float64) / half)
    args = t[:, None].double() * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    return F.pad(emb, (0, 1)) if dim % 2 else emb


class EmbedSequential(nn.Sequential):
    def forward(self, x, emb):
        for layer in self:
            x = layer(x, emb) if isinstance(layer, Res) else layer(x)
        return x


class Up(nn.Module):
    def __init__(self, ch, use_conv):
        super().__init__()
        self.use_conv = use_conv
        if use_conv:
            self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        x = F.interpolate(x, scale_factor=2, mode="nearest")
        return self.conv(x) if self.use_conv else x


class Down(nn.Module):
    def __init__(self, ch, use_conv):
        super().__init__()
        self.op = nn.Conv2d(ch, ch, 3, stride=2, padding=1) if use_conv else nn.AvgPool2d(2, 2)

    def forward(self, x):
        return self.op(x)


class Res(nn.Module):
    def __init__(self, ch, emb_ch, out_ch, groups, scale_shift, resample="none"):
        super().__init__()
        self.scale_shift = scale_shift
        self.in_layers = nn.Sequential(nn.GroupNorm(groups, ch), nn.SiLU(), nn.Conv2d(ch, out_ch, 3, padding=1))
        self.resample = resample
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_ch, 2 * out_ch if scale_shift else out_ch))
        self.out_layers = nn.Sequential(nn.GroupNorm(groups, out_ch), nn.SiLU(), nn.Dropout(0.0), nn.Conv2d(out_ch, out_ch, 3, padding=1))
        self.skip_connection = nn.Identity() if ch == out_ch else nn.Conv2d(ch, out_ch, 1)

    def forward(self, x, emb):
        h = self.in_layers[1](self.in_layers[0](x))
        if self.resample == "up":
            h, x = F.interpolate(h, scale_factor=2, mode="nearest"), F.interpolate(x, scale_factor=2, mode="nearest")
        elif self.resample == "down":
            h, x = F.avg_pool2d(h, 2), F.avg_pool2d(x, 2)
        h = self.in_layers[2](h)
        e = self.emb_layers(emb)[:, :, None, None]
        if self.scale_shift:
            scale, shift = e.chunk(2, dim=1)
            h = self.out_layers[0](h) * (1 + scale) + shift
            h = self.out_layers[3](self.out_layers[2](self.out_layers[1](h)))
        else:
            h = self.out_layers(h + e)
        return self.skip_connection(x) + h


class Attention(nn.Module):
    def __init__(self, ch, heads, groups, new_order):
        super().__init__()
        self.heads, self.new_order = heads, new_order
        self.norm = nn.GroupNorm(groups, ch)
        self.qkv = nn.Conv1d(ch, 3 * ch, 1)
        self.proj_out = nn.Conv1d(ch, ch, 1)

    def forward(self, x):
        b, c, hh, ww = x.shape
        x = x.reshape(b, c, -1)
        qkv = self.qkv(self.norm(x))
        n = qkv.shape[-1]
        ch = c // self.heads
        if self.new_order:  # q, k, v first, then heads
            q, k, v = (z.reshape(b * self.heads, ch, n) for z in qkv.chunk(3, dim=1))
        else:  # heads first, then q, k, v
            q, k, v = qkv.reshape(b * self.heads, 3 * ch, n).split(ch, dim=1)
        s = 1 / math.sqrt(math.sqrt(ch))
        w = torch.softmax(torch.einsum("bct,bcs->bts", q * s, k * s), dim=-1)
        a = torch.einsum("bts,bcs->bct", w, v).reshape(b, c, n)
        return (x + self.proj_out(a)).reshape(b, c, hh, ww)


class UNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        mc, g, ss = cfg["modelChannels"], cfg["normGroups"], cfg["useScaleShiftNorm"]
        emb = 4 * mc
        sr = cfg["superRes"]
        in_ch = cfg["inChannels"] + (sr["lowResChannels"] if sr else 0)
        out_ch = cfg["outChannels"] * (2 if cfg["learnSigma"] else 1)
        rates = {cfg["imageSize"] // r for r in cfg["attentionResolutions"]}
        head_ch = cfg["numHeadChannels"]
        heads = lambda c, n: c // head_ch if head_ch else n
        heads_up = cfg["numHeadsUpsample"] or cfg["numHeads"]
        new_order = cfg["useNewAttentionOrder"]
        mult = cfg["channelMult"]

        self.time_embed = nn.Sequential(nn.Linear(mc, emb), nn.SiLU(), nn.Linear(emb, emb))
        if cfg["numClasses"]:
            self.label_emb = nn.Embedding(cfg["numClasses"] + (1 if cfg["classifierFreeGuidance"] else 0), emb)
        if cfg["augLevelEmbedding"]:
            self.aug_embed = nn.Sequential(nn.Linear(mc, emb), nn.SiLU(), nn.Linear(emb, emb))

        ch = int(mult[0] * mc)
        self.input_blocks = nn.ModuleList([EmbedSequential(nn.Conv2d(in_ch, ch, 3, padding=1))])
        skips, ds = [ch], 1
        for level, m in enumerate(mult):
            for _ in range(cfg["numResBlocks"]):
                layers = [Res(ch, emb, int(m * mc), g, ss)]
                ch = int(m * mc)
                if ds in rates:
                    layers.append(Attention(ch, heads(ch, cfg["numHeads"]), g, new_order))
                self.input_blocks.append(EmbedSequential(*layers))
                skips.append(ch)
            if level != len(mult) - 1:
                down = Res(ch, emb, ch, g, ss, "down") if cfg["resblockUpdown"] else Down(ch, cfg["convResample"])
                self.input_blocks.append(EmbedSequential(down))
                skips.append(ch)
                ds *= 2
        self.middle_block = EmbedSequential(
            Res(ch, emb, ch, g, ss), Attention(ch, heads(ch, cfg["numHeads"]), g, new_order), Res(ch, emb, ch, g, ss)
        )
        self.output_blocks = nn.ModuleList()
        for level, m in list(enumerate(mult))[::-1]:
            for i in range(cfg["numResBlocks"] + 1):
                layers = [Res(ch + skips.pop(), emb, int(m * mc), g, ss)]
                ch = int(m * mc)
                if ds in rates:
                    layers.append(Attention(ch, heads(ch, heads_up), g, new_order))
                if level and i == cfg["numResBlocks"]:
                    layers.append(Res(ch, emb, ch, g, ss, "up") if cfg["resblockUpdown"] else Up(ch, cfg["convResample"]))
                    ds //= 2
                self.output_blocks.append(EmbedSequential(*layers))
        self.out = nn.Sequential(nn.GroupNorm(g, ch), nn.SiLU(), nn.Conv2d(int(mult[0] * mc), out_ch, 3, padding=1))

    def forward(self, x, t, y=None, low_res=None, aug_level=None):
        cfg = self.cfg
        mc = cfg["modelChannels"]
        if cfg["superRes"]:
            up = F.interpolate(low_res, x.shape[2:], mode=cfg["superRes"]["upsample"], align_corners=False)
            x = torch.cat([x, up], dim=1)
        emb = self.time_embed(sinusoidal(t, mc).to(x.dtype))
        if cfg["numClasses"]:
            emb = emb + self.label_emb(y)
        if cfg["augLevelEmbedding"]:
            emb = emb + self.aug_embed(sinusoidal(aug_level, mc).to(x.dtype))
        hs, h = [], x
        for block in self.input_blocks:
            h = block(h, emb)
            hs.append(h)
        h = self.middle_block(h, emb)
        for block in self.output_blocks:
            h = block(torch.cat([h, hs.pop()], dim=1), emb)
        return self.out(h)


class AttentionPool(nn.Module):
    """CLIP-style attention pooling: the mean token plus every position, learned positional embedding."""

    def __init__(self, side, ch, head_ch, out_ch):
        super().__init__()
        self.positional_embedding = nn.Parameter(torch.randn(ch, side * side + 1) / ch**0.5)
        self.qkv_proj = nn.Conv1d(ch, 3 * ch, 1)
        self.c_proj = nn.Conv1d(ch, out_ch, 1)
        self.heads = ch // head_ch

    def forward(self, x):
        b, c = x.shape[:2]
        x = x.reshape(b, c, -1)
        x = torch.cat([x.mean(dim=-1, keepdim=True), x], dim=-1) + self.positional_embedding[None]
        qkv = self.qkv_proj(x)
        n = qkv.shape[-1]
        ch = c // self.heads
        q, k, v = (z.reshape(b * self.heads, ch, n) for z in qkv.chunk(3, dim=1))  # q, k, v first, then heads
        s = 1 / math.sqrt(math.sqrt(ch))
        w = torch.softmax(torch.einsum("bct,bcs->bts", q * s, k * s), dim=-1)
        a = torch.einsum("bts,bcs->bct", w, v).reshape(b, c, n)
        return self.c_proj(a)[:, :, 0]


class Encoder(nn.Module):
    """The classifier: time embedding, the U-Net's input and middle blocks, then the pooling head."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        mc, g, ss = cfg["modelChannels"], cfg["normGroups"], cfg["useScaleShiftNorm"]
        emb = 4 * mc
        rates = {cfg["imageSize"] // r for r in cfg["attentionResolutions"]}
        head_ch = cfg["numHeadChannels"]
        heads = lambda c: c // head_ch if head_ch else cfg["numHeads"]
        new_order = cfg["useNewAttentionOrder"]
        mult = cfg["channelMult"]
        self.time_embed = nn.Sequential(nn.Linear(mc, emb), nn.SiLU(), nn.Linear(emb, emb))
        ch = int(mult[0] * mc)
        self.input_blocks = nn.ModuleList([EmbedSequential(nn.Conv2d(cfg["inChannels"], ch, 3, padding=1))])
        ds = 1
        for level, m in enumerate(mult):
            for _ in range(cfg["numResBlocks"]):
                layers = [Res(ch, emb, int(m * mc), g, ss)]
                ch = int(m * mc)
                if ds in rates:
                    layers.append(Attention(ch, heads(ch), g, new_order))
                self.input_blocks.append(EmbedSequential(*layers))
            if level != len(mult) - 1:
                down = Res(ch, emb, ch, g, ss, "down") if cfg["resblockUpdown"] else Down(ch, cfg["convResample"])
                self.input_blocks.append(EmbedSequential(down))
                ds *= 2
        self.middle_block = EmbedSequential(Res(ch, emb, ch, g, ss), Attention(ch, heads(ch), g, new_order), Res(ch, emb, ch, g, ss))
        out = cfg["outChannels"]
        if cfg["pool"] == "attention":
            self.out = nn.Sequential(nn.GroupNorm(g, ch), nn.SiLU(), AttentionPool(cfg["imageSize"] // ds, ch, head_ch, out))
        else:
            self.out = nn.Sequential(nn.GroupNorm(g, ch), nn.SiLU(), nn.AdaptiveAvgPool2d((1, 1)), nn.Conv2d(ch, out, 1), nn.Flatten())

    def forward(self, x, t):
        emb = self.time_embed(sinusoidal(t, self.cfg["modelChannels"]).to(x.dtype))
        h = x
        for block in self.input_blocks:
            h = block(h, emb)
        return self.out(self.middle_block(h, emb))


def build(cfg):
    return Encoder(cfg) if "pool" in cfg else UNet(cfg)


def run_fixture(path):
    tensors, metadata = read_safetensors(path)
    cfg = json.loads(metadata["config"])
    weights = {k: v.double() for k, v in tensors.items() if not k.startswith("fixture.")}
    model = build(cfg).double().eval()
    model.load_state_dict(weights, strict=True)  # every name and shape must match
    get = lambda k: tensors.get("fixture." + k)
    with torch.no_grad():
        out = model(get("x").double(), get("t").long()) if "pool" in cfg else model(
            get("x").double(),
            get("t").long(),
            y=None if get("y") is None else get("y").long(),
            low_res=None if get("low_res") is None else get("low_res").double(),
            aug_level=None if get("aug_level") is None else get("aug_level").double(),
        )
    tensors["fixture.expected"] = out.float()
    write_safetensors(path, tensors, metadata)
    count = sum(p.numel() for p in model.parameters())
    print(f"{path}: {count} parameters, output {list(out.shape)}, max |output| {out.abs().max().item():.4f}")


def count_presets(path):
    with open(path) as f:
        presets = json.load(f)
    counts = {}
    for name, cfg in presets.items():
        with torch.device("meta") if hasattr(torch, "device") and hasattr(torch.device, "__enter__") else _Meta():
            model = build(cfg)
        counts[name] = sum(p.numel() for p in model.parameters())
    print(json.dumps(counts, indent=2))


class _Meta:
    """torch 1.13 has no `with torch.device(...)`: build on the CPU instead (slower, same count)."""

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


if __name__ == "__main__":
    torch.manual_seed(0)
    if sys.argv[1:2] == ["--count"]:
        count_presets(sys.argv[2])
    else:
        for p in sys.argv[1:]:
            run_fixture(p)
