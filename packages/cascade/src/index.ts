/** @cdm/cascade: stages, cascades, training, guidance, and the procedural dataset. */
export * from './datasets';
export * from './stage';
export * from './cascade';
export * from './manifest';
export * from './training';
export * from './classifier';
