#!/usr/bin/env bash
# Regenerates src/fixtures/*.safetensors: exports weights + inputs from this package, then has
# PyTorch (Debian's python3-torch; no other Python package needed) append the reference outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=../..
presets=$(mktemp)
trap 'rm -f "$presets"' EXIT
"$root/node_modules/.bin/esbuild" scripts/export-fixture-inputs.ts --bundle --platform=node --format=esm \
  --alias:@cdm/core=./../core/src/index.ts --external:@tensorflow/* --outfile="$root/node_modules/.cache/cdm-unet-fixtures.mjs" --log-level=warning
node "$root/node_modules/.cache/cdm-unet-fixtures.mjs" src/fixtures "$presets"
/usr/bin/python3 scripts/torch_reference.py src/fixtures/*.safetensors
/usr/bin/python3 scripts/torch_reference.py --count "$presets" > src/fixtures/reference-parameter-counts.json
