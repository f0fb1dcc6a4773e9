/** Reading PyTorch checkpoints (torch.save files) without PyTorch: a ZIP reader and a restricted unpickler. */
export { isTorchCheckpoint, openTorchCheckpoint, readTorchCheckpoint, type OpenTorchCheckpointOptions, type ReadTorchCheckpointOptions } from './read';
export { ALLOWED_PICKLE_GLOBALS } from './pickle';
