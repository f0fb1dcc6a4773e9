export { BACKEND_INSTALL_HINT, backends, createBackendRegistry } from './backend-registry';
export { selectBackend, type BackendSelection, type SelectBackendOptions, type TriedBackend } from './select-backend';
export { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL, hasFusedGroupNorm, type GroupNormAttrs } from './fused-group-norm';
export { ADAM_UPDATE_KERNEL, hasFusedAdam, type AdamUpdateAttrs } from './fused-adam';
export { SILU_GRAD_KERNEL, SILU_KERNEL, hasFusedSilu } from './fused-silu';
export { DROPOUT_KERNEL, dropoutAttrs, dropoutMask, hasFusedDropout, type DropoutAttrs } from './fused-dropout';
export { freeingGradientsInstalled, installFreeingGradients, nodesFromXsToY, uninstallFreeingGradients } from './freeing-gradients';
