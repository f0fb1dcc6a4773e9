export { joinPath, memoryStorage, normalizePath, type MemoryStorage } from './memory-storage';
