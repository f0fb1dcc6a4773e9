#!/usr/bin/env node
// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017: 70,000 greyscale 28×28 product photos in 10 classes) as an
// image folder that `cdm train`, `cdm data prepare` and `cdm eval --dataset` read:
//
//   <out>/train/<k>-<class>/<index>.png   60,000 images
//   <out>/test/<k>-<class>/<index>.png    10,000 images (the official test split: held out)
//
// Class folders are prefixed with the official label k, so the sorted folder order is the label order.
// The data comes from Debian's `dataset-fashion-mnist` package (IDX files under
// /usr/share/datasets/fashion-mnist); as root on Debian this script installs it with apt-get, otherwise it
// says what to install. Nothing is downloaded from anywhere else and nothing is committed.
//
//   node scripts/fetch-fashion-mnist.mjs [--out data/fashion-mnist] [--limit N]
//
// --limit keeps the first N images of each split (for quick tries). Rerunning over a finished folder
// does nothing. Exit 0 on success, 2 on bad flags, 3 when the data cannot be had here.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pngCodec } from '@cdm/backend-node';

const SOURCE = '/usr/share/datasets/fashion-mnist';
const PACKAGE = 'dataset-fashion-mnist';
export const FASHION_MNIST_CLASSES = ['tshirt-top', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle-boot'];
const SPLITS = { train: 'train', test: 't10k' };

function parseFlags(argv) {
  const flags = { out: 'data/fashion-mnist', limit: Infinity };
  for (let i = 0; i < argv.length; i++) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (name === '--out' && value) {
      flags.out = value;
      i++;
    } else if (name === '--limit' && /^[1-9]\d*$/.test(value ?? '')) {
      flags.limit = Number(value);
      i++;
    } else {
      console.error(`fetch-fashion-mnist: unknown or incomplete flag ${name}; usage: [--out DIR] [--limit N]`);
      process.exit(2);
    }
  }
  return flags;
}

function ensureSource() {
  if (existsSync(join(SOURCE, 'train-images-idx3-ubyte.gz'))) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = existsSync('/usr/bin/apt-get');
  if (!root || !apt) {
    console.error(`Fashion-MNIST is not installed (${SOURCE}). Install Debian's package and run this again:\n  sudo apt-get install ${PACKAGE}`);
    process.exit(3);
  }
  console.log(`Installing Debian's ${PACKAGE} (30 MB) …`);
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', PACKAGE], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (error) {
    console.error(`apt-get install ${PACKAGE} failed: ${error.message}`);
    process.exit(3);
  }
}

/** An IDX file (big-endian magic: 0x0000 08 <rank>, then the dimensions, then unsigned bytes). */
function readIdx(path, rank) {
  const bytes = gunzipSync(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== 0x0800 + rank) throw new Error(`${path}: not an IDX file of rank ${rank}`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  return { dims, data: bytes.subarray(4 + 4 * rank) };
}

async function writeSplit(split, prefix, outDir, limit) {
  const done = join(outDir, `${split}.complete`); // beside the split, so that the folder holds only class folders
  if (existsSync(done)) return console.log(`${join(outDir, split)}: already there`);
  const images = readIdx(join(SOURCE, `${prefix}-images-idx3-ubyte.gz`), 3);
  const labels = readIdx(join(SOURCE, `${prefix}-labels-idx1-ubyte.gz`), 1);
  const [count, height, width] = images.dims;
  const n = Math.min(count, limit);
  const partial = join(outDir, `${split}.partial`);
  rmSync(partial, { recursive: true, force: true });
  FASHION_MNIST_CLASSES.forEach((name, k) => mkdirSync(join(partial, `${k}-${name}`), { recursive: true }));
  const codec = pngCodec();
  const size = height * width;
  for (let i = 0; i < n; i++) {
    const label = labels.data[i];
    const png = await codec.encodePng({ width, height, channels: 1, data: images.data.slice(i * size, (i + 1) * size) });
    writeFileSync(join(partial, `${label}-${FASHION_MNIST_CLASSES[label]}`, `${String(i).padStart(5, '0')}.png`), png);
    if ((i + 1) % 10000 === 0 || i + 1 === n) process.stdout.write(`\r${split}: ${i + 1}/${n} images`);
  }
  process.stdout.write('\n');
  rmSync(join(outDir, split), { recursive: true, force: true });
  renameSync(partial, join(outDir, split));
  writeFileSync(done, `${n}\n`);
}

const flags = parseFlags(process.argv.slice(2));
ensureSource();
const outDir = resolve(flags.out);
mkdirSync(outDir, { recursive: true });
for (const [split, prefix] of Object.entries(SPLITS)) await writeSplit(split, prefix, outDir, flags.limit);
console.log(`Fashion-MNIST in ${outDir} (train: 60,000 / test: 10,000 at full size; classes ${FASHION_MNIST_CLASSES.join(', ')})`);
