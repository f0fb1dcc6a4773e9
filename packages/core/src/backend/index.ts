export { BACKEND_INSTALL_HINT, backends, createBackendRegistry } from './backend-registry';
export { selectBackend, type BackendSelection, type SelectBackendOptions, type TriedBackend } from './select-backend';
