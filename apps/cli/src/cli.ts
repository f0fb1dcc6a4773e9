#!/usr/bin/env node
/** The `cdm` executable: runs the CLI on this process, with Ctrl-C as an AbortSignal. */
import * as tf from '@tensorflow/tfjs-core';
import { processIo } from './io';
import { runCli } from './run-cli';

// Production mode: no debug checks, and no console banner from tfjs-cpu in the middle of the output.
tf.env().set('PROD', true);

/**
 * A SIGINT this soon after the first is the same Ctrl-C delivered twice: the terminal signals the
 * whole foreground process group, and wrappers in it (`npx cdm`, `npm exec`, `npm run`) forward
 * the signal they received to their child as well.
 */
const SAME_INTERRUPT_MS = 1000;

const controller = new AbortController();
let firstInterrupt: number | undefined;
process.on('SIGINT', () => {
  const now = performance.now();
  if (firstInterrupt === undefined) {
    firstInterrupt = now;
    process.stderr.write('\nStopping after the current step (training saves a checkpoint first); press Ctrl-C again to quit now.\n');
    controller.abort();
  } else if (now - firstInterrupt > SAME_INTERRUPT_MS) {
    process.exit(130);
  }
});

// SIGTERM (a service manager, `kill`) stops like a first Ctrl-C: `cdm worker` finishes its chunk and exits.
process.on('SIGTERM', () => controller.abort());

void runCli(process.argv.slice(2), processIo(controller.signal)).then((code) => {
  process.exitCode = code;
});
