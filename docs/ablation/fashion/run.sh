#!/usr/bin/env bash
# The conditioning-augmentation ablation of Ho et al. 2021 (CDM, table 4) on real images: Fashion-MNIST
# (Debian's dataset-fashion-mnist), a 14×14 class-conditional base and a 14→28 super-resolution stage
# trained three ways at equal compute: no augmentation, Gaussian noise (amortised s ≤ 500), blur + noise.
# From the repository root, after `npm install && npm run build`:
#
#   bash docs/ablation/fashion/run.sh fetch   # the dataset as an image folder in data/fashion-mnist (train/, test/)
#   bash docs/ablation/fashion/run.sh train   # all four stages, one thread each, in the background; resumable
#   bash docs/ablation/fashion/run.sh extractor  # the feature extractor the metrics use (committed once made)
#   bash docs/ablation/fashion/run.sh status  # step, loss and held-out loss of each run
#   bash docs/ablation/fashion/run.sh stop    # Ctrl-C to every run: each saves a checkpoint and exits
#
# STEPS=… overrides every run's target (training.steps).
#
# Runs, exported stages and logs live outside the work tree, in $CDM_ABLATION_DIR (default
# ~/.cache/cdm/ablation/fashion), so that a fresh checkout on the same machine resumes them:
# docs/ablation/fashion/{runs,stages,logs} are links to it, made here.
set -euo pipefail
cd "$(dirname "$0")/../../.."
CDM="node apps/cli/dist/cli.js"
RUNS=(base14 sr28-none sr28-noise sr28-noise-blur)
KEEP="${CDM_ABLATION_DIR:-$HOME/.cache/cdm/ablation/fashion}"
for dir in runs stages logs; do
  mkdir -p "$KEEP/$dir"
  [ -e "docs/ablation/fashion/$dir" ] || ln -s "$KEEP/$dir" "docs/ablation/fashion/$dir"
done
LOGS=docs/ablation/fashion/logs

case "${1:-}" in
  fetch)
    node scripts/fetch-fashion-mnist.mjs --out data/fashion-mnist
    ;;
  train)
    [ -d data/fashion-mnist/train ] || node scripts/fetch-fashion-mnist.mjs --out data/fashion-mnist
    for run in "${RUNS[@]}"; do
      if pgrep -f "cli.js train docs/ablation/fashion/$run.json" > /dev/null; then echo "$run: already running"; continue; fi
      # One native thread each: four runs share the two cores. nohup: they outlive the shell that started them.
      CDM_NATIVE_THREADS=1 nohup $CDM train "docs/ablation/fashion/$run.json" --quiet ${STEPS:+--steps "$STEPS"} \
        >> "$LOGS/$run.log" 2>&1 &
      echo "$run: started (pid $!, log $LOGS/$run.log)"
    done
    ;;
  extractor)
    # The yardstick of every metric: a small convnet trained on the training split (10 % held out), hashed.
    # It is committed (docs/ablation/fashion/extractor), so that numbers from later sessions stay comparable.
    [ -f docs/ablation/fashion/extractor/extractor.json ] || CDM_NATIVE_THREADS=1 $CDM extractor train \
      --dataset data/fashion-mnist/train --out docs/ablation/fashion/extractor --name fashion-mnist-convnet \
      --resolution 28 --channels 1 --epochs 5 --seed 0
    ;;
  status)
    for run in "${RUNS[@]}"; do
      log="docs/ablation/fashion/runs/$run/log.jsonl"
      [ -f "$log" ] || { echo "$run: no log yet"; continue; }
      node -e '
        const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
        const last = lines.at(-1);
        const held = lines.filter((l) => l.heldOutLoss !== undefined).slice(-4).map((l) => `${l.step}: ${l.heldOutLoss.toFixed(5)}`);
        console.log(`${process.argv[2]}: step ${last.step}, loss ${last.loss.toFixed(4)}, ${last.stepsPerSecond.toFixed(2)} steps/s; held-out ${held.join(", ") || "—"}`);
      ' "$log" "$run"
    done
    ;;
  stop)
    for run in "${RUNS[@]}"; do pkill -INT -f "cli.js train docs/ablation/fashion/$run.json" && echo "$run: stopping" || true; done
    ;;
  *)
    echo "usage: bash docs/ablation/fashion/run.sh fetch|train|extractor|status|stop" >&2
    exit 2
    ;;
esac
