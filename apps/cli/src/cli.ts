#!/usr/bin/env node
/** The `cdm` executable. */
export {};
