/** Opt-in side-effect entry: registers this package's plugins in @cdm/core's default registries. */
export {};
