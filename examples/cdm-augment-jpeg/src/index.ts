/**
 * cdm-augment-jpeg: JPEG compression as a conditioning-augmentation policy for @cdm cascades, and a
 * template for writing your own `cdm-augment-*` package against @cdm/core's public API.
 */
export { jpegCompression, jpegCompressionFactory, jpegRoundTrip, type JpegCompressionOptions, type JpegCompressionPolicy } from './jpeg-compression';
export { BLOCK, blockDct, dctBasis, inverseBlockDct } from './block-dct';
export { CHROMA_TABLE, LUMA_TABLE, scaledTable } from './quantization-tables';
export { register } from './plugin';
