export { BACKEND_INSTALL_HINT, backends, createBackendRegistry } from './backend-registry';
export { selectBackend, type BackendSelection, type SelectBackendOptions, type TriedBackend } from './select-backend';
export { GROUP_NORM_GRAD_KERNEL, GROUP_NORM_KERNEL, hasFusedGroupNorm, type GroupNormAttrs } from './fused-group-norm';
export { SILU_GRAD_KERNEL, SILU_KERNEL, hasFusedSilu } from './fused-silu';
