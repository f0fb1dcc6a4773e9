/** Model files: fetchStorage caches these itself (the 'cdm-models' cache), so the app shell's cache and precache leave them out. Same test as public/sw.js. */
export const MODEL_FILE = /\.(safetensors)$|\/cascade\.json$|\/config\.json$|\/stage\.json$/;
