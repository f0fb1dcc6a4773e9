#!/usr/bin/env bash
# The conditioning-augmentation ablation of Ho et al. 2021 (CDM, table 4), reproduced small, with the
# CLI only. Run from the repository root after `npm install && npm run build`:
#
#   bash docs/ablation/run.sh train      # the three super-resolution stages at once (resumable)
#   bash docs/ablation/run.sh eval       # every row of the table into docs/ablation/results/*.json (skips rows already there)
#
# All three share the demo's trained 16×16 base (apps/cli/demo/stages/base) and differ only in the
# super-resolution stage's training-time augmentation: none, Gaussian noise (amortised s ≤ 500), or
# blur then noise. Same network, batch, steps and seed: equal compute.
set -euo pipefail
cd "$(dirname "$0")"
CDM="node ../../apps/cli/dist/cli.js"
N="${N:-250}"
STEPS="${STEPS:-800}"
VARIANTS=(sr-none sr-noise sr-noise-blur)

case "${1:-}" in
  train)
    # All three at once, one process each (on 2 cores: 4.3 s a step each, 800 steps in about an hour).
    $CDM train sr-none.json --quiet --steps "$STEPS" &
    $CDM train sr-noise.json --quiet --steps "$STEPS" &
    $CDM train sr-noise-blur.json --quiet --steps "$STEPS" &
    wait
    ;;
  eval)
    mkdir -p results
    for v in "${VARIANTS[@]}"; do
      $CDM cascade ../../apps/cli/demo/stages/base "stages/$v" --name "$v" --out "stages/$v.cascade.json"
    done
    # The base runs once, through the demo cascade (DDPM, 100 evenly spaced steps, guidance w = 2), and its
    # samples are saved with its states at the levels a truncated hand-over stops at: a 100-step run
    # passes through 1, 11, 21, …, 51, 62, … (its respaced timesteps plus one), and the ones nearest
    # 50, 100, 250 and 500 are 51, 102, 253 and 495. Every row below then starts from these very images,
    # so the rows differ only in their super-resolution stage and the hand-over.
    HANDOVER=results/handover.safetensors
    SAMPLING=(--n "$N" --sampler ddpm,ddpm --steps 100,25 --guidance 2,1)
    [ -f "$HANDOVER" ] || $CDM eval ../../apps/cli/demo/cascade.json "${SAMPLING[@]}" --aug-level 0,0 \
      --save-handover "$HANDOVER" --handover-levels 51,102,253,495 --grid results/demo-s0.png --out results/demo-s0.json
    row() { # variant, s, [--truncate]
      local name="$1-s$2${3:+-truncated}"
      local cascade="stages/$1.cascade.json"
      [ "$1" = demo ] && cascade=../../apps/cli/demo/cascade.json
      [ -f "results/$name.json" ] || $CDM eval "$cascade" "${SAMPLING[@]}" --aug-level "0,$2" ${3:-} \
        --handover "$HANDOVER" --grid "results/$name.png" --out "results/$name.json"
    }
    # (a) no augmentation: only s = 0 makes sense. (b), (c): sweep s, with the clean and the truncated
    # hand-over. Two processes at a time, one per core.
    sweep() { row "$1" 0; for s in 51 102 253 495; do row "$1" "$s"; row "$1" "$s" --truncate; done; }
    # One row again with another seed for the super-resolution stage's noise (same base images): how
    # much the numbers move between draws, to read the differences between rows against.
    again() { [ -f "results/$1-s$2-seed2.json" ] || $CDM eval "stages/$1.cascade.json" "${SAMPLING[@]}" --aug-level "0,$2" --seed 2 \
      --handover "$HANDOVER" --out "results/$1-s$2-seed2.json"; }
    (row sr-none 0 && sweep sr-noise) & first=$!
    (sweep sr-noise-blur && again sr-noise 102) & second=$!
    wait "$first"
    wait "$second"
    # What the metrics say about the stages themselves: each super-resolution stage on *real* 16×16
    # images (area-downsampled, as in training) instead of the base's samples, the demo's sr32 at its
    # own default level, and real images scored as if they were samples (a perfect generator).
    REAL=results/real-handover.safetensors
    [ -f "$REAL" ] || node real-handover.mjs "$REAL"
    [ -f results/real-floor.json ] || node real-floor.mjs > results/real-floor.json
    real() { [ -f "results/real-$1-s0.json" ] || $CDM eval "stages/$1.cascade.json" "${SAMPLING[@]}" --aug-level 0,0 \
      --handover "$REAL" --grid "results/real-$1-s0.png" --out "results/real-$1-s0.json"; }
    (real sr-none && real sr-noise-blur) & first=$!
    (real sr-noise && row demo 51) & second=$!
    wait "$first"
    wait "$second"
    ;;
  *)
    echo "usage: bash docs/ablation/run.sh train|eval" >&2
    exit 2
    ;;
esac
