/** @cdm/unet: re-exports only; the modules arrive with its issue. */
export {};
