#!/usr/bin/env bash
# The conditioning-augmentation ablation of Ho et al. 2021 (CDM, table 4), reproduced small, with the
# CLI only. Run from the repository root after `npm install && npm run build`:
#
#   bash docs/ablation/run.sh train      # the three super-resolution stages, two at a time (resumable)
#   bash docs/ablation/run.sh eval       # every row of the table into docs/ablation/results/*.json
#
# All three share the demo's trained 16×16 base (apps/cli/demo/stages/base) and differ only in the
# super-resolution stage's training-time augmentation: none, Gaussian noise (amortised s ≤ 500), or
# blur then noise. Same network, batch, steps and seed: equal compute.
set -euo pipefail
cd "$(dirname "$0")"
CDM="node ../../apps/cli/dist/cli.js"
N="${N:-500}"
VARIANTS=(sr-none sr-noise sr-noise-blur)

case "${1:-}" in
  train)
    $CDM train sr-none.json --quiet &
    $CDM train sr-noise.json --quiet
    wait
    $CDM train sr-noise-blur.json --quiet
    ;;
  eval)
    mkdir -p results
    for v in "${VARIANTS[@]}"; do
      $CDM cascade ../../apps/cli/demo/stages/base "stages/$v" --name "$v" --out "stages/$v.cascade.json"
    done
    # Base: DDPM with 100 evenly spaced steps (as guided-diffusion spaces them), so the levels it passes
    # through, where a truncated hand-over can stop, are 1, 11, 21, …, 51, 62, … (spacedTimesteps(1000, 100) + 1):
    # the ones nearest 50, 100, 250 and 500 are 51, 102, 253 and 495.
    SAMPLING=(--sampler ddpm,ddpm --steps 100,50 --guidance 2,1)
    # (a) no augmentation: only s = 0 makes sense.
    $CDM eval stages/sr-none.cascade.json --n "$N" "${SAMPLING[@]}" --aug-level 0,0 --out results/sr-none-s0.json
    # (b), (c): sweep the sampling-time level s, with the clean and the truncated hand-over.
    for v in sr-noise sr-noise-blur; do
      for s in 0 51 102 253 495; do
        $CDM eval "stages/$v.cascade.json" --n "$N" "${SAMPLING[@]}" --aug-level "0,$s" --out "results/$v-s$s.json"
        if [ "$s" != 0 ]; then
          $CDM eval "stages/$v.cascade.json" --n "$N" "${SAMPLING[@]}" --aug-level "0,$s" --truncate --out "results/$v-s$s-truncated.json"
        fi
      done
    done
    ;;
  *)
    echo "usage: bash docs/ablation/run.sh train|eval" >&2
    exit 2
    ;;
esac
