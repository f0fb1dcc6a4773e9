import { errors } from '../errors';
import type { SafetensorsDtype } from '../safetensors/dtypes';

/**
 * A restricted unpickler for what torch.save writes for a state dict (protocols 2–5), in the
 * spirit of torch.load(weights_only=True): plain values and containers, an allow-list of globals
 * (OrderedDict, the tensor and parameter rebuild functions, the typed storage classes) and
 * persistent ids naming storages. It never executes or instantiates anything: an allowed global is
 * only a name here, and REDUCE on one produces a plain description (a `TorchTensorRef`). Any other
 * global, an opcode that builds objects (NEWOBJ, INST, OBJ, EXT…) or an unknown opcode is refused
 * with CDM_UNSAFE_PICKLE naming it; malformed input is CDM_TORCH_CHECKPOINT_CORRUPT.
 */

/** A Python tuple (lists are arrays, dicts are `PickleDict`). */
export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

/** A dict or OrderedDict; attributes set by BUILD (OrderedDict's `_metadata`) are kept apart. */
export class PickleDict {
  readonly map = new Map<PickleKey, PickleValue>();
  attributes: PickleValue = null;
}

/** A global from the allow-list; only its name. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}

/** A storage named by a persistent id: `archive/data/<key>`, `numel` elements of `dtype`. */
export class TorchStorageRef {
  constructor(
    readonly key: string,
    readonly dtype: SafetensorsDtype,
    readonly numel: number,
  ) {}
}

/** A tensor as _rebuild_tensor_v2 describes it: a strided view of a storage. */
export class TorchTensorRef {
  constructor(
    readonly storage: TorchStorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

export type PickleKey = string | number | boolean | null;
export type PickleValue =
  | PickleKey
  | Uint8Array
  | PickleValue[]
  | PickleTuple
  | PickleDict
  | PickleGlobal
  | TorchStorageRef
  | TorchTensorRef;

/** The typed storage classes a persistent id may name, and the dtype of their elements. */
export const TORCH_STORAGE_DTYPES: Readonly<Record<string, SafetensorsDtype>> = Object.freeze({
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
});

const CALLABLE_GLOBALS = ['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_parameter'];
/** Every global this unpickler accepts, as module.name. */
export const ALLOWED_PICKLE_GLOBALS: readonly string[] = Object.freeze([
  ...CALLABLE_GLOBALS,
  ...Object.keys(TORCH_STORAGE_DTYPES).map((name) => `torch.${name}`),
]);

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

const corrupt = errors.torchCheckpointCorrupt;
const unsafe = errors.unsafePickle;
const isTuple = (v: StackItem): v is PickleTuple => v instanceof PickleTuple;
const isKey = (v: StackItem): v is PickleKey => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Opcodes refused by name: they build or call arbitrary objects, or need an extension registry. */
const REFUSED: Readonly<Record<number, string>> = {
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x69: 'INST',
  0x6f: 'OBJ',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x50: 'PERSID',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

/** Unpickles `data`; `source` names it in errors (e.g. "archive/data.pkl"). */
export function unpickle(data: Uint8Array, source = 'the pickle'): PickleValue {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: StackItem[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let at = 0;

  const need = (n: number, what: string) => {
    if (n > data.length - at) throw corrupt(`${source}: ${what} at byte ${at} needs ${n} bytes, ${data.length - at} remain (truncated?)`);
  };
  const u8 = () => (need(1, 'an argument'), data[at++]!);
  const u16 = () => (need(2, 'an argument'), (at += 2), view.getUint16(at - 2, true));
  const u32 = () => (need(4, 'an argument'), (at += 4), view.getUint32(at - 4, true));
  const u64 = () => {
    need(8, 'an argument');
    const value = view.getBigUint64(at, true);
    at += 8;
    if (value > BigInt(data.length)) throw corrupt(`${source}: a length of ${value} at byte ${at - 8} exceeds the pickle`);
    return Number(value);
  };
  const bytes = (n: number) => (need(n, `${n} bytes of data`), (at += n), data.subarray(at - n, at));
  const text = (n: number) => {
    const raw = bytes(n);
    try {
      return decoder.decode(raw);
    } catch {
      throw corrupt(`${source}: a string at byte ${at - n} is not UTF-8`);
    }
  };
  const line = () => {
    const end = data.indexOf(0x0a, at);
    if (end < 0) throw corrupt(`${source}: unterminated text argument at byte ${at}`);
    const value = text(end - at);
    at = end + 1;
    return value;
  };
  const pop = (): StackItem => {
    if (stack.length === 0) throw corrupt(`${source}: stack underflow at byte ${at}`);
    const item = stack.pop()!;
    if (item === MARK) marks.pop();
    return item;
  };
  const popValue = (): PickleValue => {
    const item = stack[stack.length - 1];
    if (item === undefined) throw corrupt(`${source}: stack underflow at byte ${at}`);
    if (item === MARK) throw corrupt(`${source}: unexpected mark at byte ${at}`);
    return stack.pop() as PickleValue;
  };
  const popMark = (): PickleValue[] => {
    const start = marks.pop();
    if (start === undefined) throw corrupt(`${source}: no mark to pop at byte ${at}`);
    return stack.splice(start) as PickleValue[];
  };
  const top = (): PickleValue => {
    const item = stack[stack.length - 1];
    if (item === undefined || item === MARK) throw corrupt(`${source}: stack underflow at byte ${at}`);
    return item;
  };
  const global = (module: string, name: string, opAt: number): PickleGlobal => {
    if (!ALLOWED_PICKLE_GLOBALS.includes(`${module}.${name}`)) {
      throw unsafe(`${source} asks for the global ${module}.${name} (at byte ${opAt}); allowed: ${ALLOWED_PICKLE_GLOBALS.join(', ')}`);
    }
    return new PickleGlobal(module, name);
  };
  const setItems = (target: PickleValue, items: PickleValue[]) => {
    if (!(target instanceof PickleDict)) throw corrupt(`${source}: SETITEM on something that is not a dict at byte ${at}`);
    if (items.length % 2 !== 0) throw corrupt(`${source}: an odd number of items for SETITEMS at byte ${at}`);
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]!;
      if (!isKey(key)) throw unsafe(`${source} uses a ${describe(key)} as a dict key (at byte ${at}); only strings, numbers, booleans and None are read`);
      target.map.set(key, items[i + 1]!);
    }
  };
  const append = (target: PickleValue, items: PickleValue[]) => {
    if (!Array.isArray(target)) throw corrupt(`${source}: APPEND on something that is not a list at byte ${at}`);
    target.push(...items);
  };

  for (;;) {
    const opAt = at;
    if (at >= data.length) throw corrupt(`${source} ends at byte ${at} without STOP (truncated?)`);
    const op = data[at++]!;
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw unsafe(`${source} uses pickle protocol ${data[at - 1]}; protocols 2–5 are read`);
        break;
      case 0x95: // FRAME: a hint for buffered readers; the length must still fit.
        need(u64(), 'a frame');
        break;
      case 0x2e: // STOP
        return popValue();
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PickleDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PickleTuple([]));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const items = Array.from({ length: op - 0x84 }, popValue).reverse();
        stack.push(new PickleTuple(items));
        break;
      }
      case 0x74: // TUPLE
        stack.push(new PickleTuple(dropMark(popMark())));
        break;
      case 0x6c: // LIST
        stack.push(dropMark(popMark()));
        break;
      case 0x64: {
        // DICT
        const dict = new PickleDict();
        setItems(dict, dropMark(popMark()));
        stack.push(dict);
        break;
      }
      case 0x4a: // BININT
        need(4, 'BININT');
        stack.push(view.getInt32(at, true));
        at += 4;
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(bytes(u8()), source, opAt));
        break;
      case 0x8b: // LONG4
        stack.push(long(bytes(u32()), source, opAt));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8, 'BINFLOAT');
        stack.push(view.getFloat64(at, false));
        at += 8;
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(bytes(u64()).slice());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const index = op === 0x68 ? u8() : u32();
        if (!memo.has(index)) throw corrupt(`${source}: memo entry ${index} read before it was written (byte ${opAt})`);
        stack.push(memo.get(index)!);
        break;
      }
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x73: {
        // SETITEM
        const value = popValue();
        const key = popValue();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = dropMark(popMark());
        setItems(top(), items);
        break;
      }
      case 0x61: {
        // APPEND
        const value = popValue();
        append(top(), [value]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = dropMark(popMark());
        append(top(), items);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line(), opAt));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = popValue();
        const module = popValue();
        if (typeof module !== 'string' || typeof name !== 'string') throw corrupt(`${source}: STACK_GLOBAL without two strings at byte ${opAt}`);
        stack.push(global(module, name, opAt));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = popValue();
        const callable = popValue();
        stack.push(reduce(callable, args, source, opAt));
        break;
      }
      case 0x62: {
        // BUILD: only OrderedDict attributes (a state dict's _metadata), which are kept aside.
        const state = popValue();
        const target = top();
        if (!(target instanceof PickleDict)) throw unsafe(`${source} sets the state of a ${describe(target)} (BUILD at byte ${opAt}); only dicts take attributes`);
        target.attributes = state;
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentStorage(popValue(), source, opAt));
        break;
      default: {
        const name = REFUSED[op];
        throw unsafe(
          name === undefined
            ? `${source} has an unknown opcode 0x${op.toString(16).padStart(2, '0')} at byte ${opAt}`
            : `${source} uses the opcode ${name} at byte ${opAt}, which builds arbitrary objects`,
        );
      }
    }
  }
}

function dropMark(items: PickleValue[]): PickleValue[] {
  items.shift(); // the MARK itself
  return items;
}

/** LONG1/LONG4: little-endian two's complement; must fit a safe integer. */
function long(raw: Uint8Array, source: string, at: number): number {
  let value = 0n;
  for (let i = raw.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]!);
  if (raw.length > 0 && raw[raw.length - 1]! & 0x80) value -= 1n << BigInt(8 * raw.length);
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw errors.torchCheckpointUnsupported(`${source} holds the integer ${value} at byte ${at}, beyond ±2^53`);
  }
  return Number(value);
}

function describe(value: PickleValue): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') return value.constructor.name;
  return typeof value;
}

const isCount = (v: PickleValue): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const counts = (v: PickleValue): v is PickleTuple => isTuple(v) && v.items.every(isCount);

/** REDUCE for the three callable globals; anything else is refused. */
function reduce(callable: PickleValue, args: PickleValue, source: string, at: number): PickleValue {
  if (!(callable instanceof PickleGlobal)) throw unsafe(`${source} calls a ${describe(callable)} (REDUCE at byte ${at})`);
  const name = `${callable.module}.${callable.name}`;
  if (!CALLABLE_GLOBALS.includes(name)) throw unsafe(`${source} calls ${name} (REDUCE at byte ${at}); it may only appear in a persistent id`);
  if (!isTuple(args)) throw corrupt(`${source}: ${name} called without an argument tuple at byte ${at}`);
  const a = args.items;
  const bad = (what: string) => corrupt(`${source}: ${name} at byte ${at} ${what}`);
  switch (name) {
    case 'collections.OrderedDict': {
      const dict = new PickleDict();
      if (a.length === 0) return dict;
      throw unsafe(`${source} builds an OrderedDict from arguments at byte ${at}; torch.save writes an empty one and fills it`);
    }
    case 'torch._utils._rebuild_tensor_v2': {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      const [storage, offset, size, stride, , hooks] = a;
      if (a.length < 6 || a.length > 7) throw bad(`has ${a.length} arguments, expected 6 or 7`);
      if (!(storage instanceof TorchStorageRef)) throw bad('has no storage as its first argument');
      if (!isCount(offset!)) throw bad('has a storage offset that is not a non-negative integer');
      if (!counts(size!) || !counts(stride!) || size.items.length !== stride.items.length) throw bad('has a size or stride that is not a tuple of non-negative integers of one length');
      if (!(hooks instanceof PickleDict) || hooks.map.size > 0) throw unsafe(`${source}: a tensor with backward hooks at byte ${at}`);
      return new TorchTensorRef(storage, offset, size.items as number[], stride.items as number[]);
    }
    default: {
      // torch._utils._rebuild_parameter(data, requires_grad, backward_hooks)
      const [data, , hooks] = a;
      if (a.length !== 3 || !(data instanceof TorchTensorRef)) throw bad('does not wrap a tensor');
      if (!(hooks instanceof PickleDict) || hooks.map.size > 0) throw unsafe(`${source}: a parameter with backward hooks at byte ${at}`);
      return data;
    }
  }
}

/** ('storage', <storage class>, key, location, numel) → a storage reference. */
function persistentStorage(pid: PickleValue, source: string, at: number): TorchStorageRef {
  if (!isTuple(pid) || pid.items.length !== 5 || pid.items[0] !== 'storage') {
    throw unsafe(`${source} has a persistent id at byte ${at} that is not ('storage', type, key, location, numel)`);
  }
  const [, type, key, location, numel] = pid.items;
  if (!(type instanceof PickleGlobal) || type.module !== 'torch' || TORCH_STORAGE_DTYPES[type.name] === undefined) {
    throw unsafe(`${source} has a persistent id at byte ${at} whose storage type is not a torch storage class`);
  }
  if (typeof key !== 'string' || typeof location !== 'string' || !isCount(numel!)) {
    throw corrupt(`${source}: malformed storage persistent id at byte ${at}`);
  }
  return new TorchStorageRef(key, TORCH_STORAGE_DTYPES[type.name]!, numel);
}
