#!/usr/bin/env node
/** The `cdm` executable: runs the CLI on this process, with Ctrl-C as an AbortSignal. */
import * as tf from '@tensorflow/tfjs-core';
import { processIo } from './io';
import { runCli } from './run-cli';

// Production mode: no debug checks, and no console banner from tfjs-cpu in the middle of the output.
tf.env().set('PROD', true);

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts++;
  if (interrupts > 1) process.exit(130);
  process.stderr.write('\nStopping after the current step (training saves a checkpoint first); press Ctrl-C again to quit now.\n');
  controller.abort();
});

void runCli(process.argv.slice(2), processIo(controller.signal)).then((code) => {
  process.exitCode = code;
});
