/** Reading and writing Hugging Face safetensors files, and 16-bit float conversions. */
export {
  SAFETENSORS_DTYPE_SIZES,
  bfloat16BitsToNumber,
  bfloat16ToFloat32Array,
  float16BitsToNumber,
  float16ToFloat32Array,
  float32ToBfloat16Array,
  float32ToFloat16Array,
  isSafetensorsDtype,
  numberToBfloat16Bits,
  numberToFloat16Bits,
  type SafetensorsArray,
  type SafetensorsArrayTypes,
  type SafetensorsDtype,
} from './dtypes';
export {
  SAFETENSORS_MAX_HEADER_BYTES,
  readSafetensors,
  toFloat32,
  type SafetensorsFile,
  type SafetensorsTensor,
} from './read';
export { openSafetensors, SAFETENSORS_WHOLE_READ_BYTES, type OpenSafetensorsOptions, type SafetensorsEntry, type SafetensorsSource } from './open';
export { writeSafetensors, type SafetensorsTensorInput } from './write';
