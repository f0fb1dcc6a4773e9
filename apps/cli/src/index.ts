/** @cdm/cli: the `cdm` command's programmatic entry (re-exports only). */
export {};
