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
#   bash docs/ablation/fashion/run.sh snapshot  # export every stage from its current checkpoint (runs go on)
#   bash docs/ablation/fashion/run.sh handover  # sample the base once (N=… images) for every row; needs stages/ exported
#   bash docs/ablation/fashion/run.sh eval      # every row of the table (N=… samples, default 1000), then table.md (compare.mjs)
#   bash docs/ablation/fashion/run.sh stop    # Ctrl-C to every run: each saves a checkpoint and exits
#
# STEPS=… overrides every run's target (training.steps).
#
# Runs, exported stages and logs live outside the work tree, in $CDM_ABLATION_DIR (default
# ~/.cache/cdm/ablation/fashion), so that a fresh checkout on the same machine resumes them:
# docs/ablation/fashion/{runs,stages,logs} are links to it, made here.
set -euo pipefail
cd "$(dirname "$0")/../../.."
CDM="${CDM:-node apps/cli/dist/cli.js}"  # CDM=… runs another build (e.g. a stable checkout while this one changes)
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
  snapshot)
    # Exports stages/<run> from a copy of each run's current checkpoint while the runs go on (a running
    # `cdm train` holds its run directory's lock): the copy is exported by `cdm train --steps <its step>`.
    for run in "${RUNS[@]}"; do
      src="docs/ablation/fashion/runs/$run"
      [ -f "$src/state.json" ] || { echo "$run: no checkpoint yet"; continue; }
      copy="$KEEP/snapshot/$run"
      rm -rf "$copy" && mkdir -p "$copy/checkpoints"
      cp "$src/state.json" "$src/log.jsonl" "$copy/"
      step=$(node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(s.step); require("fs").cpSync(require("path").join(process.argv[2], require("path").dirname(s.files.model)), require("path").join(process.argv[3], require("path").dirname(s.files.model)), { recursive: true })' "$copy/state.json" "$src" "$copy")
      # The same config with absolute paths and the copy as its run directory.
      node -e '
        const fs = require("fs"), path = require("path");
        const [file, runDir, out] = process.argv.slice(1);
        const dir = path.dirname(path.resolve(file));
        const c = JSON.parse(fs.readFileSync(file, "utf8"));
        c.runDir = runDir; c.stageDir = path.resolve(dir, c.stageDir); c.dataset.path = path.resolve(dir, c.dataset.path);
        if (c.training.heldOut?.path) c.training.heldOut.path = path.resolve(dir, c.training.heldOut.path);
        delete c.training.sampleEvery;
        fs.writeFileSync(out, JSON.stringify(c, null, 2));
      ' "docs/ablation/fashion/$run.json" "$copy" "$copy/config.json"
      $CDM train "$copy/config.json" --steps "$step" --quiet > /dev/null && echo "$run: stages/$run exported at step $step"
    done
    ;;
  handover | eval)
    # Every row of the table into docs/ablation/fashion/results/*.json (rows already there are kept).
    # The base is sampled once (DDPM, 100 steps, its default guidance) and its N samples are saved
    # with its states at the levels a truncated hand-over stops at (51, 102, 253, 495: the levels a
    # 100-step run passes through nearest 50, 100, 250, 500); every super-resolution row starts from
    # these very images, so rows differ only in the super-resolution stage and the hand-over. The
    # real-input rows start from real 14×14 test images instead (real-handover.mjs).
    # BASE_STEPS=… samples the base with fewer steps: a worse base, to see how each stage copes with
    # worse inputs (then LEVELS=… lists the levels it passes through for truncated rows, or there are
    # none). ONLY=<regex> measures only the rows whose names match. Real-input rows do not depend on
    # the base: with RESULTS=… they are copied from docs/ablation/fashion/results when measured there
    # at the same N.
    N="${N:-1000}"
    MAIN=docs/ablation/fashion/results
    R="${RESULTS:-$MAIN}"
    BASE_STEPS="${BASE_STEPS:-100}"
    if [ "$BASE_STEPS" = 100 ]; then LEVELS="${LEVELS-51,102,253,495}"; else LEVELS="${LEVELS-}"; fi
    ONLY="${ONLY:-.}"
    mkdir -p "$R"
    [ -f docs/ablation/fashion/extractor/extractor.json ] || bash "$0" extractor
    for v in none noise noise-blur; do
      $CDM cascade docs/ablation/fashion/stages/base14 "docs/ablation/fashion/stages/sr28-$v" --name "fashion-sr28-$v" \
        --out "docs/ablation/fashion/stages/sr28-$v.cascade.json" > /dev/null
    done
    MEASURE=(--n "$N" --dataset data/fashion-mnist/test --extractor docs/ablation/fashion/extractor --kid-subset-size "$((N / 2))" --bootstrap 100)
    SAMPLING=(--sampler ddpm,ddpm --steps "$BASE_STEPS,50")
    HANDOVER="$R/handover.safetensors"  # RESULTS=… writes elsewhere (e.g. a quick N=50 try)
    # (handover.json measures sr28-noise at s = 0 on the way; the table's rows are all measured from the file.)
    [ -f "$HANDOVER" ] || $CDM eval docs/ablation/fashion/stages/sr28-noise.cascade.json "${MEASURE[@]}" "${SAMPLING[@]}" --aug-level 0,0 \
      --save-handover "$HANDOVER" ${LEVELS:+--handover-levels "$LEVELS"} --grid "$R/handover.png" --out "$R/handover.json" --quiet
    [ "${1:-}" = handover ] && { echo "hand-over in $HANDOVER"; exit 0; }
    REAL="$R/real-handover.safetensors"
    [ -f "$REAL" ] || N="$N" node docs/ablation/fashion/real-handover.mjs "$REAL"
    # The rows run JOBS at a time (default 2: one per core, one native thread each); each row's output
    # goes to $R/<row>.log. Rows already in $R are skipped, so an interrupted eval resumes.
    ROWS=()
    row() { # variant, s, [--truncate | real]
      local name="$1-s$2${3:+-${3#--}}" from="$HANDOVER" extra=""
      [ "${3:-}" = real ] && from="$REAL"
      [ "${3:-}" = --truncate ] && extra="--truncate"
      [[ "$name" =~ $ONLY ]] || return 0
      [ "${3:-}" = --truncate ] && [[ ",$LEVELS," != *",$2,"* ]] && return 0
      if [ "${3:-}" = real ] && [ "$R" != "$MAIN" ] && [ ! -f "$R/$name.json" ] && [ -f "$MAIN/$name.features.safetensors" ] \
        && node -e 'process.exit(JSON.parse(require("fs").readFileSync(process.argv[1])).samples === Number(process.argv[2]) ? 0 : 1)' "$MAIN/$name.json" "$N"; then
        cp "$MAIN/$name.json" "$MAIN/$name.png" "$MAIN/$name.features.safetensors" "$R/" && echo "$name: copied from $MAIN"
      fi
      [ -f "$R/$name.json" ] || ROWS+=("$name|$CDM eval docs/ablation/fashion/stages/sr28-$1.cascade.json ${MEASURE[*]} ${SAMPLING[*]} --aug-level 0,$2 $extra --handover $from --grid $R/$name.png --save-features $R/$name.features.safetensors --out $R/$name.json --quiet")
    }
    row none 0
    row none 0 real
    for v in noise noise-blur; do
      row "$v" 0
      row "$v" 0 real
      for s in 51 102 253 495; do row "$v" "$s"; row "$v" "$s" --truncate; done
    done
    JOBS="${JOBS:-2}"
    THREADS=$(( $(nproc) / JOBS > 0 ? $(nproc) / JOBS : 1 ))
    failed=0
    echo "${#ROWS[@]} rows to measure, $JOBS at a time"
    for entry in "${ROWS[@]}"; do
      while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || failed=$((failed + 1)); done
      name="${entry%%|*}"
      echo "$(date +%H:%M:%S) $name"
      CDM_NATIVE_THREADS="$THREADS" bash -c "${entry#*|}" > "$R/$name.log" 2>&1 &
    done
    while [ "$(jobs -rp | wc -l)" -gt 0 ]; do wait -n || failed=$((failed + 1)); done
    [ "$failed" -eq 0 ] || { echo "$failed row(s) failed: see $R/*.log" >&2; exit 1; }
    # The floor (the real 28×28 originals of the real-input rows' inputs) and the table with the paired differences.
    [ -f "$R/real-floor.features.safetensors" ] || [ ! -f "$R/none-s0-real.features.safetensors" ] || N="$N" node docs/ablation/fashion/real-floor.mjs "$R"
    node docs/ablation/fashion/compare.mjs "$R" ${RESAMPLES:+--resamples "$RESAMPLES"} > "$R/table.md"
    echo "results in $R; the table and the paired differences in $R/table.md"
    ;;
  status)
    for run in "${RUNS[@]}"; do
      log="docs/ablation/fashion/runs/$run/log.jsonl"
      [ -f "$log" ] || { echo "$run: no log yet"; continue; }
      node -e '
        const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => JSON.parse(l));
        const last = lines.at(-1);
        const all = lines.filter((l) => l.heldOutLoss !== undefined);
        const held = all.slice(-4).map((l) => `${l.step}: ${l.heldOutLoss.toFixed(5)}`);
        // The plateau test of docs/ablation.md: the held-out loss fell by less than 1 % over the last 1,000 steps.
        const now = all.at(-1), then = now && [...all].reverse().find((l) => l.step <= now.step - 1000);
        const drop = then ? (100 * (then.heldOutLoss - now.heldOutLoss)) / then.heldOutLoss : undefined;
        const plateau = drop === undefined ? "" : `; last 1,000 steps ${drop >= 0 ? "−" : "+"}${Math.abs(drop).toFixed(2)} %${drop < 1 ? " (plateau)" : ""}`;
        console.log(`${process.argv[2]}: step ${last.step}, loss ${last.loss.toFixed(4)}, ${last.stepsPerSecond.toFixed(2)} steps/s; held-out ${held.join(", ") || "—"}${plateau}`);
      ' "$log" "$run"
    done
    ;;
  stop)
    for run in "${RUNS[@]}"; do pkill -INT -f "cli.js train docs/ablation/fashion/$run.json" && echo "$run: stopping" || true; done
    ;;
  *)
    echo "usage: bash docs/ablation/fashion/run.sh fetch|train|extractor|snapshot|handover|eval|status|stop" >&2
    exit 2
    ;;
esac
