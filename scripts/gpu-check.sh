#!/usr/bin/env bash
# The GPU check in one command (issue 23): the WebGPU adapter, train-step times of @cdm/unet's
# tiny-32 preset and of a 64×64 ADM stage on webgpu (Dawn), PyTorch's times for the same networks
# on the same GPU and their ratio, and a gradient check of webgpu against tfjs-cpu.
#
#   scripts/gpu-check.sh pack        # on a machine with Node + npm, after `npm run build`: writes
#                                    # .gpu-check/gpu-check.tar.xz (Node, bundle, dawn.node, Vulkan loader; < 64 MiB)
#   scripts/gpu-check.sh [flags]     # anywhere, also with no Node/npm/network: unpacks that archive and runs
#
# Only .gpu-check/gpu-check.tar.xz (ignored by git) needs to travel with the repository. Where the
# machine has no libvulkan.so.1 or glvnd, the archive's copies are used. The Vulkan driver is
# searched for in VK_ICD_FILENAMES/VK_DRIVER_FILES, the system's icd.d, NVIDIA's container manifest
# (/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json) and Chromium's SwiftShader.
#
# Flags go to check.mjs: --batch32 16 --batch64 16 --width32 64 --res-blocks32 2 --width64 192 --res-blocks64 3
# --steps 3 --skip64 (defaults: the presets as shipped).
# Defaults are sized to finish within 8 minutes on one H100/H200 (not yet measured there). On a CPU
# Vulkan (SwiftShader) use tiny sizes, e.g. --batch32 1 --width32 16 --res-blocks32 1 --batch64 1 --width64 16 --res-blocks64 1 --steps 1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.gpu-check"
bundle="$out/bundle"

if [[ "${1:-}" == "pack" ]]; then
  exec node "$root/scripts/gpu-check/pack.mjs"
fi

if [[ ! -x "$bundle/node" ]]; then
  if [[ -f "$out/gpu-check.tar.xz" ]]; then
    tar -C "$out" -xJf "$out/gpu-check.tar.xz"
  elif command -v node >/dev/null && command -v npm >/dev/null; then
    node "$root/scripts/gpu-check/pack.mjs" && tar -C "$out" -xJf "$out/gpu-check.tar.xz"
  else
    echo "gpu-check: no $out/gpu-check.tar.xz and no Node here: run 'scripts/gpu-check.sh pack' on a machine with Node and npm, and bring .gpu-check/ along" >&2
    exit 2
  fi
fi

# Dawn dlopens libvulkan.so.1: the system's if installed, else the carried copy.
if ! ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1 ' >/dev/null; then export CDM_VULKAN_LOADER="$bundle/lib/libvulkan.so.1"; fi
# NVIDIA's Vulkan driver loads glvnd's libGLdispatch: the carried copies where the system has none.
if ! ldconfig -p 2>/dev/null | grep 'libGLdispatch\.so\.0 ' >/dev/null; then export LD_LIBRARY_PATH="$bundle/glvnd${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
echo "gpu-check: Vulkan loader ${CDM_VULKAN_LOADER:-from the system}; drivers: ${VK_ICD_FILENAMES:-${VK_DRIVER_FILES:-searched by cdm (system icd.d, NVIDIA container manifest, SwiftShader)}}" >&2
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
"$bundle/node" "$bundle/check.mjs" "$@" >"$work/webgpu.json" || status=$?
if [[ ! -s "$work/webgpu.json" ]]; then echo "gpu-check: the webgpu check printed no report (exit $status)" >&2; exit "${status:-1}"; fi

python=""
for candidate in python3 /usr/bin/python3 python; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import torch' 2>/dev/null; then python="$candidate"; break; fi
done
steps=3
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do [[ "${args[$i]}" == "--steps" ]] && steps="${args[$((i + 1))]}"; done
if [[ -n "$python" ]]; then
  echo "gpu-check: PyTorch ($python) on the same networks…" >&2
  "$python" "$bundle/torch_cuda.py" "$work/webgpu.json" --steps "$steps" >"$work/torch.json" || echo "gpu-check: the PyTorch side failed" >&2
else
  echo "gpu-check: no python3 with torch: PyTorch's times are skipped" >&2
fi
"$bundle/node" "$root/scripts/gpu-check/summary.mjs" "$work/webgpu.json" "$work/torch.json"
exit "$status"
