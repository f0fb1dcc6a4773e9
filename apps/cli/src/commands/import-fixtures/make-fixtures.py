#!/usr/bin/python3
"""Writes the `cdm import` fixtures of import.test.ts with Debian's python3-torch (1.13).

A tiny ADM U-Net is built as torch modules with guided-diffusion's module names and layout
(packages/unet/scripts/torch_reference.py), filled with seeded random weights, and saved twice:

  micro-unet.pt           as guided-diffusion's TrainLoop.save writes it: model.state_dict() with
                          the parameters themselves (nn.Parameter) put back in, torch.save (zip)
  micro-unet.safetensors  the same tensors, written with struct + json (torch_reference's writer)
  micro-unet.json         the network's settings (a cdm U-Net config), for the import config

Run:  /usr/bin/python3 make-fixtures.py   (writes next to this script)
"""
import json
import os
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "../../../../../packages/unet/scripts"))
import torch_reference  # noqa: E402

# One resolution level (no down/up blocks) keeps the file small; every other kind of module is there.
CONFIG = {
    "imageSize": 8, "inChannels": 3, "outChannels": 3, "modelChannels": 2, "numResBlocks": 1,
    "channelMult": [1], "attentionResolutions": [8], "dropout": 0, "convResample": True,
    "numClasses": 3, "classifierFreeGuidance": True, "useScaleShiftNorm": True, "resblockUpdown": True,
    "numHeads": 1, "numHeadChannels": 2, "numHeadsUpsample": None, "useNewAttentionOrder": False,
    "learnSigma": True, "superRes": None, "augLevelEmbedding": False, "normGroups": 1,
}

torch.manual_seed(18)
model = torch_reference.UNet(CONFIG)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.randn_like(p) * 0.1)

state = model.state_dict()
for name, parameter in model.named_parameters():
    state[name] = parameter  # guided-diffusion's master_params_to_state_dict does this
torch.save(state, os.path.join(here, "micro-unet.pt"))
torch_reference.write_safetensors(os.path.join(here, "micro-unet.safetensors"), {k: v.detach() for k, v in state.items()}, {"format": "pt"})
with open(os.path.join(here, "micro-unet.json"), "w") as f:
    json.dump(CONFIG, f, indent=2)
    f.write("\n")
print(sum(p.numel() for p in model.parameters()), "parameters")
