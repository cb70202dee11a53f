// Lowering: a typed term => one Wasm module (the AssemblyScript runtime plus a generated step).
//
//   Compose(Incr, Get)  at  Int; () -> Int
//     =>  (func $step (param $in i32) (param $inLength i32) (result i32)
//           (call $rtItemBegin)
//           (local.set $s (global.get $state))
//           (i32.store (i32.const <io>)                       ;; the output's address
//             (call $rtEncode (i64.add (local.get $s) (i64.const 1)) (i32.const <&Int>)))
//           (i32.store (i32.const <io + 4>) (call $rtEncodedLength))   ;; and its length
//           (global.set $state (call $rtCommit (local.get $s) (i32.const 0)))
//           (i32.load (i32.const <io + 4>)))
//
// The fuel budget is the `budget` global (setFuel, once per machine); the step counts it down in
// a local.
//
// How values are held at compile time (`Sym`): a Pair built by Fanout, an Either built by InLeft,
// a record built by Record stay *symbolic*: their components live in locals and nothing is
// allocated unless the value has to become one word (stored in a list, a map, the state, passed to
// the runtime). Fst of a Fanout is then a local, Case of an InLeft is resolved at compile time, and
// where control flow joins (If, Case, Match, the Unleft loop, the Fold accumulator) a value is kept
// as a *shape*: one local per leaf, one i32 local per Either/variant tag. An Unleft loop over
// `Either (Int, Int) Int` therefore runs entirely in locals, without allocating.
//
// Symbolic values are pure: a leaf is a constant, a local, or one load from a local (heap objects
// are immutable while an item runs, so a load can be repeated or moved). Anything with an effect
// (a runtime call, an allocation, a division check, fuel) is emitted as a statement, in evaluation
// order, and its result bound to a local.
//
// Errors set the runtime's error code and trap (heap.ts `raise`); the host rolls the item back. The
// step keeps the state in a local and stores it into the `state` global only when the item
// succeeds, so a failed item leaves the global as it was.

import binaryen from 'binaryen';
import type { Typed } from './typecheck.ts';
import { type Term, type TermOf, termSize } from './terms.ts';
import { Str, type Type, showType, typeToJson, unreachableKind } from './types.ts';
import { INT_MAX, INT_MIN, PMap, type ListValue, type PairValue, type RecordValue, type TaggedValue, type Value } from './values.ts';
import { SIZE_STEP } from './engine.ts';
import { LAYOUT_VERSION } from './layout.ts';
import { showValue, showValueArg } from './seed-syntax.ts';
import { link, parseRuntime, type LinkableRuntime, type ValType } from './wasm-link.ts';
import { loadRuntime, type RuntimeImage } from './wasm-runtime.ts';

type ExpressionRef = number;
const i32 = binaryen.i32;
const i64 = binaryen.i64;
const none = binaryen.none;

/** Error codes raised by generated code and the runtime (assembly/heap.ts). */
export const ERROR_CODES = {
  READ_NO_PARSE: 1,
  DIVIDE_BY_ZERO: 2,
  OUT_OF_FUEL: 3,
  FAIL: 4,
  TRAP: 5,
  LAYOUT: 6,
  OUT_OF_MEMORY: 7,
} as const;

// Object kinds and type descriptor kinds (assembly/heap.ts, assembly/values.ts).
const K_STR = 1;
const K_TUPLE = 2;
const K_TAGGED = 3;
const K_CONS = 4;
const K_NODE = 5;
const K_NODE_PREFIX = 32;
const TYPE_KIND = { Unit: 0, Int: 1, Bool: 2, String: 3, Pair: 4, Either: 5, List: 6, Map: 7, Record: 8, Variant: 9 } as const;

/** Leaves a join-point shape may have before the value is kept boxed instead. */
const MAX_SHAPE_LEAVES = 12;

export interface LowerOptions {
  /** Run binaryen's optimiser over the generated functions (a few ms more per module). Default true. */
  readonly optimize?: boolean;
  /** Validate with binaryen before emitting (WebAssembly.Module validates anyway; this names the problem). Default false. */
  readonly validate?: boolean;
}

export interface LoweredModule {
  readonly wasm: Uint8Array;
  /** Where the heap starts (after runtime data, descriptors and constants). */
  readonly heapStart: number;
  /** Milliseconds spent in this call, split by phase. */
  readonly timings: { readonly lower: number; readonly emit: number; readonly total: number };
}

/** Version of the host interface below (exports, error codes, memory use); bumped when it changes. */
export const WASM_ABI = 'smwasm.wasm.v2';
/** Bytes of the I/O area (ModuleMeta.io). */
export const IO_AREA_BYTES = 64 * 1024;
/** Name of the custom section in which every module describes itself (`ModuleMeta`, JSON). */
export const META_SECTION = 'smwasm';

/** What a module says about itself, so a host can run a module file without the term it came from. */
export interface ModuleMeta {
  readonly abi: string;
  /** The canonical layout version of its input, output and state bytes (compiler/layout.ts). */
  readonly layout: number;
  /** First heap address: the memory must have at least this many bytes before `init`. */
  readonly heapStart: number;
  /**
   * The I/O area: `step` writes its output's address (u32) at `io` and length at `io + 4`; an
   * input of up to `ioBytes - 8` bytes may be written at `io + 8` instead of into `begin`'s buffer.
   */
  readonly io: number;
  readonly ioBytes: number;
  /** Hash of the runtime sources it was linked with. */
  readonly runtime: string;
}

/** The host's view of a compiled module: these exports and nothing else (plus the imported memory). */
export interface ModuleExports {
  /** Sets up the heap; call once after instantiation. */
  init(): void;
  /** Reserves `length` bytes in the heap for an input larger than the I/O area; returns their address. The item (or state hand-over) that follows owns them: they go when it fails or leaves nothing behind. */
  begin(length: number): number;
  /** Sets the fuel budget of every item. */
  setFuel(budget: bigint): void;
  /**
   * Runs the item whose canonical input is at (address, length): returns the output's length; its
   * address is at ModuleMeta.io. Traps on an item error (then call `abort`).
   */
  step(input: number, length: number): number;
  /** Rolls back a failed item or state hand-over (its allocations); a failed item never touched the state global. */
  abort(): void;
  /** Replaces the state with the canonical bytes at (address, length): the I/O area, or reserved with `begin`. */
  setState(input: number, length: number): void;
  /** Encodes the state; returns the address of its bytes (length: encodedLength). */
  getState(): number;
  /** Collects now (between items only): copies what the state reaches, frees the rest. */
  collect(): void;
  encodedLength(): number;
  errorCode(): number;
  /** A static string object (K_STR) with the error's message, or 0. */
  errorMessage(): number;
  heapUsed(): number;
  liveBytes(): number;
  collections(): number;
}

/** What the runtime's exports are called inside the module (binaryen's internal names). */
type RuntimeNames = Record<string, string>;


/** The runtime, parsed once per process for the linker (compiler/wasm-link.ts). */
interface Runtime {
  readonly image: RuntimeImage;
  readonly linkable: LinkableRuntime;
}
let runtimeCache: Runtime | undefined;

function runtime(): Runtime {
  if (!runtimeCache) {
    const image = loadRuntime();
    runtimeCache = { image, linkable: parseRuntime(image.wasm) };
  }
  return runtimeCache;
}

const FEATURES = binaryen.Features.MVP | binaryen.Features.MutableGlobals | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.SignExt | binaryen.Features.NontrappingFPToInt;

/** Binaryen passes over the step function: mostly cleaning up the locals that symbolic values leave. */
const STEP_PASSES = ['optimize-instructions', 'simplify-locals', 'vacuum', 'merge-blocks', 'remove-unused-brs', 'coalesce-locals', 'simplify-locals', 'optimize-instructions', 'vacuum', 'reorder-locals', 'remove-unused-names', 'merge-blocks'];

const MAX_OPTIMIZED_LOCALS = 4000;

const GENERATED_FUNCTIONS = ['step', 'init', 'setState', 'getState', 'collect', 'setFuel'];

/**
 * Lowers a stage: `typed` is `state; input -> output`. The module exports `ModuleExports` and
 * imports only `env.memory`. A state migration is lowered the same way as a machine with state
 * `()` (compiler/typecheck.ts typecheckMigration): its input is the old state, its output the new.
 */
export function lowerMachine(typed: Typed, stateType: Type, options: LowerOptions = {}): LoweredModule {
  const t0 = performance.now();
  const rt = runtime();
  const { m, heapStart, io } = generate(typed, stateType, options, rt);
  try {
    const t1 = performance.now();
    // The name section lets a trap's stack trace name the generated functions.
    binaryen.setDebugInfo(true);
    const generated = m.emitBinary();
    const meta: ModuleMeta = { abi: WASM_ABI, layout: LAYOUT_VERSION, heapStart, io, ioBytes: IO_AREA_BYTES, runtime: rt.image.hash };
    const wasm = link(rt.linkable, generated, [{ name: META_SECTION, bytes: new TextEncoder().encode(JSON.stringify(meta)) }]);
    const t2 = performance.now();
    return { wasm, heapStart, timings: { lower: t1 - t0, emit: t2 - t1, total: t2 - t0 } };
  } finally {
    m.dispose();
  }
}

/** The generated module as text, before linking: its functions and what they import from the runtime (golden files, debugging). */
export function lowerMachineText(typed: Typed, stateType: Type, options: LowerOptions = {}): string {
  const { m } = generate(typed, stateType, options, runtime());
  try {
    return m.emitText();
  } finally {
    m.dispose();
  }
}

/** Builds the generated module (a fresh binaryen module importing the runtime's functions from "rt"). */
function generate(typed: Typed, stateType: Type, options: LowerOptions, rt: Runtime): { m: binaryen.Module; heapStart: number; io: number } {
  const m = new binaryen.Module();
  try {
    m.setFeatures(FEATURES);
    // The memory must exist before any load or store is built (they bind to it by name); its data
    // segment is only known at the end, when setMemory runs again.
    m.setMemory(1, -1, null, [], false, false, 'memory');
    m.addMemoryImport('memory', 'env', 'memory');
    // Runtime functions are imported from "rt" on first use, so a module (and its text) lists
    // exactly the runtime functions it calls; the linker resolves them.
    const imported = new Set<string>();
    const names = new Proxy({} as RuntimeNames, {
      get(_, name: string) {
        if (!imported.has(name)) {
          const sig = rt.linkable.signatures.get(name);
          if (!sig) throw new Error(`internal error: the runtime does not export ${name}`);
          m.addFunctionImport(name, 'rt', name, binaryen.createType(sig.params.map(wasmType)), binaryen.createType(sig.results.map(wasmType)));
          imported.add(name);
        }
        return name;
      },
    });
    // Memory: runtime data | I/O area | generated static data | heap.
    const io = rt.image.dataEnd;
    const data = new StaticData(io + IO_AREA_BYTES);
    const gen = new StepBuilder(m, names, data, stateType);
    gen.build(typed, io);
    data.desc(stateType); // used by setState/getState: must exist before the heap start is fixed
    const heapStart = data.end();
    addHostExports(m, names, data, stateType, heapStart);
    const bytes = data.bytes();
    m.setMemory(1, -1, null, bytes.length > 0 ? [{ offset: m.i32.const(data.base), data: bytes, passive: false }] : [], false, false, 'memory');
    m.addMemoryImport('memory', 'env', 'memory');
    // Binaryen's local passes are superlinear in the number of locals; past a few thousand the
    // engine's own register allocation does the job in far less time.
    if (options.optimize !== false && gen.localCount() <= MAX_OPTIMIZED_LOCALS) {
      binaryen.setOptimizeLevel(2);
      binaryen.setShrinkLevel(0);
      m.runPassesOnFunction('step', STEP_PASSES);
    }
    if (options.validate && !m.validate()) throw new Error('internal error: the generated module does not validate');
    return { m, heapStart, io };
  } catch (e) {
    m.dispose();
    throw e;
  }
}

function wasmType(t: ValType): binaryen.Type {
  switch (t) {
    case 'i32':
      return i32;
    case 'i64':
      return i64;
    case 'f32':
      return binaryen.f32;
    case 'f64':
      return binaryen.f64;
    default:
      return t satisfies never;
  }
}

function addHostExports(m: binaryen.Module, rt: RuntimeNames, data: StaticData, stateType: Type, heapStart: number): void {
  const stateDesc = data.desc(stateType);
  const statePtr = isPointerType(stateType) ? 1 : 0;
  m.addFunction('init', none, none, [], m.block(null, [m.call(rt.rtInit, [m.i32.const(heapStart)], none), m.global.set('state', m.i64.const(0n))]));
  m.addFunction(
    'setState',
    binaryen.createType([i32, i32]),
    none,
    [],
    m.block(null, [
      // A refused state must not roll the heap back past the current state: mark here.
      m.call(rt.rtItemBegin, [], none),
      m.global.set('state', m.call(rt.rtAdopt, [m.call(rt.rtDecode, [m.local.get(0, i32), m.local.get(1, i32), m.i32.const(stateDesc)], i64), m.i32.const(statePtr)], i64)),
    ]),
  );
  m.addFunction('setFuel', binaryen.createType([i64]), none, [], m.global.set('budget', m.local.get(0, i64)));
  m.addFunction('getState', none, i32, [], m.call(rt.rtEncode, [m.global.get('state', i64), m.i32.const(stateDesc)], i32));
  m.addFunction('collect', none, none, [], m.global.set('state', m.call(rt.rtCollect, [m.global.get('state', i64), m.i32.const(statePtr)], i64)));
  const exports: Array<[string, string]> = [
    ['init', 'init'],
    ['step', 'step'],
    ['setState', 'setState'],
    ['getState', 'getState'],
    ['collect', 'collect'],
    ['setFuel', 'setFuel'],
    [rt.rtBegin, 'begin'],
    [rt.rtAbort, 'abort'],
    [rt.rtEncodedLength, 'encodedLength'],
    [rt.rtErrorCode, 'errorCode'],
    [rt.rtErrorMessage, 'errorMessage'],
    [rt.rtHeapUsed, 'heapUsed'],
    [rt.rtLiveBytes, 'liveBytes'],
    [rt.rtCollections, 'collections'],
  ];
  for (const [internal, external] of exports) m.addFunctionExport(internal, external);
}

// ---------------------------------------------------------------------------
// Static data: type descriptors, string literals and constant values, laid out exactly as the
// runtime lays out heap objects, below the heap (so the collector neither moves nor scans them).

export function isPointerType(t: Type): boolean {
  return !(t.kind === 'Unit' || t.kind === 'Int' || t.kind === 'Bool');
}

const encoder = new TextEncoder();

class StaticData {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  private length = 0;
  private descs = new Map<string, number>();
  private strings = new Map<string, number>();
  constructor(readonly base: number) {}

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
  /** First address after the static data: the heap starts here. */
  end(): number {
    return align(this.base + this.length, 16);
  }
  private reserve(n: number, alignment: number): number {
    this.length = align(this.length, alignment);
    while (this.length + n > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  private u32(offset: number, x: number): void {
    this.view.setUint32(offset, x >>> 0, true);
  }
  private i64(offset: number, x: bigint): void {
    this.view.setBigInt64(offset, x, true);
  }

  /** A type descriptor (assembly/values.ts); one per distinct type. */
  desc(t: Type): number {
    const key = JSON.stringify(typeToJson(t));
    const known = this.descs.get(key);
    if (known !== undefined) return known;
    let words: number[];
    switch (t.kind) {
      case 'Unit':
      case 'Int':
      case 'Bool':
      case 'String':
        words = [TYPE_KIND[t.kind]];
        break;
      case 'Pair':
        words = [TYPE_KIND.Pair, this.desc(t.fst), this.desc(t.snd)];
        break;
      case 'Either':
        words = [TYPE_KIND.Either, this.desc(t.left), this.desc(t.right)];
        break;
      case 'List':
        words = [TYPE_KIND.List, this.desc(t.elem)];
        break;
      case 'Map':
        words = [TYPE_KIND.Map, this.desc(t.key), this.desc(t.value)];
        break;
      case 'Record':
      case 'Variant': {
        const fields = t.kind === 'Record' ? t.fields : t.cases;
        words = [TYPE_KIND[t.kind], fields.length];
        for (const f of fields) words.push(this.string(f.name), this.desc(f.type));
        break;
      }
      default:
        return unreachableKind(t);
    }
    const at = this.reserve(words.length * 4, 4);
    words.forEach((w, i) => this.u32(at + i * 4, w));
    const address = this.base + at;
    this.descs.set(key, address);
    return address;
  }

  /** A static string object. */
  string(s: string): number {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    const bytes = encoder.encode(s);
    const at = this.reserve(8 + bytes.length, 8);
    this.u32(at, K_STR | (bytes.length << 3));
    this.u32(at + 4, [...s].length);
    this.buf.set(bytes, at + 8);
    const address = this.base + at;
    this.strings.set(s, address);
    return address;
  }

  /**
   * For a type with at most READ_TABLE_VALUES values, a static table of their texts as Show writes
   * them, each with the value's word: u32 count, u32 0, then per value u32 text (a static string),
   * u32 0, i64 word. Null for any other type.
   */
  readTable(t: Type): number | null {
    const values = valuesOf(t, READ_TABLE_VALUES);
    if (values === null) return null;
    const rows = values.map((v) => [this.string(showValue(t, v)), this.value(t, v)] as const);
    const at = this.reserve(8 + 16 * rows.length, 8);
    this.u32(at, rows.length);
    this.u32(at + 4, 0);
    rows.forEach(([text, word], i) => {
      this.u32(at + 8 + 16 * i, text);
      this.u32(at + 12 + 16 * i, 0);
      this.i64(at + 16 + 16 * i, word);
    });
    return this.base + at;
  }

  /** The word of a constant value: the number itself, or the address of a static object. */
  value(t: Type, v: Value): bigint {
    switch (t.kind) {
      case 'Unit':
        return 0n;
      case 'Int':
        return v as bigint;
      case 'Bool':
        return v ? 1n : 0n;
      case 'String':
        return BigInt(this.string(v as string));
      case 'Pair': {
        const p = v as PairValue;
        return this.tuple([this.value(t.fst, p[0]), this.value(t.snd, p[1])], [t.fst, t.snd]);
      }
      case 'Either': {
        const x = v as TaggedValue;
        const left = x.tag === 'Left';
        return this.tagged(left ? 0 : 1, left ? t.left : t.right, x.value);
      }
      case 'Variant': {
        const x = v as TaggedValue;
        const i = t.cases.findIndex((c) => c.name === x.tag);
        return this.tagged(i, t.cases[i].type, x.value);
      }
      case 'List': {
        const l = v as ListValue;
        let tail = 0n;
        for (let i = l.length - 1; i >= 0; i--) {
          const head = this.value(t.elem, l[i]);
          const at = this.reserve(24, 8);
          this.u32(at, K_CONS | ((isPointerType(t.elem) ? 1 : 0) << 3));
          this.u32(at + 4, l.length - i);
          this.i64(at + 8, head);
          this.i64(at + 16, tail);
          tail = BigInt(this.base + at);
        }
        return tail;
      }
      case 'Map': {
        const pairs = (v as PMap).entries();
        const entries = pairs.map(([k, x]) => [this.value(t.key, k), this.value(t.value, x)] as const);
        // String keys carry their first 8 bytes at +32 (assembly/collections.ts).
        const prefixed = t.key.kind === 'String';
        const header = K_NODE | ((isPointerType(t.key) ? 1 : 0) << 3) | ((isPointerType(t.value) ? 1 : 0) << 4) | (prefixed ? K_NODE_PREFIX : 0);
        // Balanced like the runtime's mapFromSorted: the middle entry at the root.
        const build = (lo: number, hi: number): number => {
          if (lo >= hi) return 0;
          const mid = lo + ((hi - lo) >> 1);
          const left = build(lo, mid);
          const right = build(mid + 1, hi);
          const at = this.reserve(prefixed ? 40 : 32, 8);
          this.u32(at, header);
          this.u32(at + 4, hi - lo);
          this.i64(at + 8, entries[mid][0]);
          this.i64(at + 16, entries[mid][1]);
          this.u32(at + 24, left);
          this.u32(at + 28, right);
          if (prefixed) {
            // The key's first 8 UTF-8 bytes as a big-endian number, zero padded: stored little-endian, byte j is key byte 7 - j.
            const key = encoder.encode(pairs[mid][0] as string);
            for (let j = 0; j < 8; j++) this.buf[at + 32 + j] = 7 - j < key.length ? key[7 - j] : 0;
          }
          return this.base + at;
        };
        return BigInt(build(0, entries.length));
      }
      case 'Record': {
        const r = v as RecordValue;
        return this.tuple(
          t.fields.map((f) => this.value(f.type, r[f.name])),
          t.fields.map((f) => f.type),
        );
      }
      default:
        return unreachableKind(t);
    }
  }

  private tagged(tag: number, payloadType: Type, payload: Value): bigint {
    const word = this.value(payloadType, payload);
    const at = this.reserve(16, 8);
    this.u32(at, K_TAGGED | ((isPointerType(payloadType) ? 1 : 0) << 3));
    this.u32(at + 4, tag);
    this.i64(at + 8, word);
    return BigInt(this.base + at);
  }

  private tuple(words: bigint[], types: readonly Type[]): bigint {
    const n = words.length;
    const base = tupleBase(n);
    const at = this.reserve(base + 8 * n, 8);
    this.u32(at, K_TUPLE | (n << 3));
    if (n <= 32) this.u32(at + 4, pointerMask(types));
    else for (let i = 0; i < n; i++) if (isPointerType(types[i])) this.u32(at + 8 + 4 * (i >> 5), this.view.getUint32(at + 8 + 4 * (i >> 5), true) | (1 << (i & 31)));
    words.forEach((w, i) => this.i64(at + base + 8 * i, w));
    return BigInt(this.base + at);
  }
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

/** Offset of the first word of a tuple/record of n words (assembly/heap.ts tupleBase). */
function tupleBase(n: number): number {
  return n <= 32 ? 8 : 8 + align(4 * Math.ceil(n / 32), 8);
}

function pointerMask(types: readonly Type[]): number {
  let mask = 0;
  types.forEach((t, i) => {
    if (isPointerType(t)) mask |= 1 << i;
  });
  return mask >>> 0;
}

// ---------------------------------------------------------------------------
// Symbolic values

/**
 * A value known at compile time up to its leaves. `val` is one word: `e()` builds a fresh
 * expression for it each time it is used (a constant, a local, or one load from a local), `c` is
 * its value when it is a constant. `sum` is an Either/variant whose tag is only known at run time:
 * `alts[i]` is the payload when the tag is i, and may only be used where the tag is known to be i.
 * `cases` is a value that control flow has not joined yet (after If, Match, Merge): it is
 * `branches[i]` when the local `tagLocal` is i, and the same discipline applies. Its consumer is
 * lowered once per branch when it is small (so Case-of-If or an Unleft loop's exit test resolves
 * statically in each branch), else the branches are joined into a shape first.
 */
type Sym =
  | { readonly k: 'unit' }
  | { readonly k: 'val'; readonly e: () => ExpressionRef; readonly c?: bigint; readonly local?: number }
  | { readonly k: 'pair'; readonly fst: Sym; readonly snd: Sym }
  | { readonly k: 'inj'; readonly tag: number; readonly payload: Sym }
  | { readonly k: 'sum'; readonly tagLocal: number; readonly alts: readonly Sym[] }
  | { readonly k: 'rec'; readonly fields: readonly Sym[] }
  | { readonly k: 'cases'; readonly tagLocal: number; readonly branches: readonly Sym[] };

const UNIT: Sym = { k: 'unit' };

/** Payload types of an Either or a variant, by tag. */
function altTypes(t: Type): readonly Type[] {
  if (t.kind === 'Either') return [t.left, t.right];
  if (t.kind === 'Variant') return t.cases.map((c) => c.type);
  throw new Error(`internal error: ${showType(t)} is not a sum`);
}

/** Whether every leaf of `s` is a constant or a local (so reading it can never trap, whatever the tags). */
function readsOnlyLocals(s: Sym): boolean {
  switch (s.k) {
    case 'unit':
      return true;
    case 'val':
      return s.c !== undefined || s.local !== undefined;
    case 'pair':
      return readsOnlyLocals(s.fst) && readsOnlyLocals(s.snd);
    case 'rec':
      return s.fields.every(readsOnlyLocals);
    case 'inj':
      return readsOnlyLocals(s.payload);
    case 'sum':
      return s.alts.every(readsOnlyLocals);
    case 'cases':
      return false;
    default:
      return unreachableKind(s);
  }
}

/** Leaves of a tree of `cases` (1 for anything else): how many copies a consumer lowered per branch makes. */
function leafCount(s: Sym): number {
  return s.k === 'cases' ? s.branches.reduce((n, b) => n + leafCount(b), 0) : 1;
}

/** Nodes lowered in all, at most, when a consumer of a `cases` is lowered once per branch. */
const DUPLICATE_BUDGET = 64;
const MAX_CASES_LEAVES = 8;

const sizes = new WeakMap<Term, number>();
function sizeOf(t: Term): number {
  let n = sizes.get(t);
  if (n === undefined) {
    n = termSize(t);
    sizes.set(t, n);
  }
  return n;
}

function tagName(t: Type, tag: number): string {
  if (t.kind === 'Either') return tag === 0 ? 'Left' : 'Right';
  if (t.kind === 'Variant') return t.cases[tag].name;
  throw new Error(`internal error: ${showType(t)} is not a sum`);
}

/** Types with at most this many values get a table of their texts for Read. */
const READ_TABLE_VALUES = 16;

/** Every value of `t` when there are at most `limit`, else null (Int, String, List and Map have too many). */
function valuesOf(t: Type, limit: number): Value[] | null {
  switch (t.kind) {
    case 'Unit':
      return [null];
    case 'Bool':
      return [false, true];
    case 'Int':
    case 'String':
    case 'List':
    case 'Map':
      return null;
    case 'Pair': {
      const a = valuesOf(t.fst, limit);
      const b = valuesOf(t.snd, limit);
      if (a === null || b === null || a.length * b.length > limit) return null;
      return a.flatMap((x) => b.map((y) => [x, y] as Value));
    }
    case 'Record': {
      let rows: Array<Record<string, Value>> = [{}];
      for (const f of t.fields) {
        const vs = valuesOf(f.type, limit);
        if (vs === null || rows.length * vs.length > limit) return null;
        rows = rows.flatMap((r) => vs.map((v) => ({ ...r, [f.name]: v })));
      }
      return rows;
    }
    case 'Either':
    case 'Variant': {
      const out: Value[] = [];
      const names = t.kind === 'Either' ? ['Left', 'Right'] : t.cases.map((c) => c.name);
      for (const [i, payload] of altTypes(t).entries()) {
        const vs = valuesOf(payload, limit);
        if (vs === null || out.length + vs.length > limit) return null;
        for (const v of vs) out.push({ tag: names[i], value: v });
      }
      return out;
    }
    default:
      return unreachableKind(t);
  }
}

function countLeaves(t: Type, limit: number): number {
  switch (t.kind) {
    case 'Unit':
      return 0;
    case 'Int':
    case 'Bool':
    case 'String':
    case 'List':
    case 'Map':
      return 1;
    case 'Pair':
      return countLeaves(t.fst, limit) + countLeaves(t.snd, limit);
    case 'Record': {
      let n = 0;
      for (const f of t.fields) if ((n += countLeaves(f.type, limit)) > limit) break;
      return n;
    }
    case 'Either':
    case 'Variant': {
      let n = 1;
      for (const a of altTypes(t)) if ((n += countLeaves(a, limit)) > limit) break;
      return n;
    }
    default:
      return unreachableKind(t);
  }
}

// ---------------------------------------------------------------------------
// The step builder

type UnleftTerm = TermOf<'Unleft'>;

/** The step's first local (after its two parameters): the fuel left, decremented in place. */
const FUEL = 2;

class StepBuilder {
  private readonly locals: binaryen.Type[] = [i32, i32, i64]; // params: input address, input length; then the fuel left
  private stmts: ExpressionRef[] = [];
  private labels = 0;
  private stateLocal = -1;
  private readonly stateIsPointer: boolean;

  constructor(
    private readonly m: binaryen.Module,
    private readonly rt: RuntimeNames,
    private readonly data: StaticData,
    private readonly stateType: Type,
  ) {
    this.stateIsPointer = isPointerType(stateType);
  }

  build(typed: Typed, io: number): void {
    const m = this.m;
    m.addGlobal('state', i64, true, m.i64.const(0n));
    m.addGlobal('budget', i64, true, m.i64.const(0n));
    this.emit(m.call(this.rt.rtItemBegin, [], none));
    // The fuel left lives in a local, so a loop's counter stays in a register.
    this.emit(m.local.set(FUEL, m.global.get('budget', i64)));
    this.stateLocal = this.newLocal(i64);
    this.emit(m.local.set(this.stateLocal, m.global.get('state', i64)));
    let input: Sym = UNIT;
    if (typed.input.kind !== 'Unit') {
      input = this.bind(m.call(this.rt.rtDecode, [m.local.get(0, i32), m.local.get(1, i32), m.i32.const(this.data.desc(typed.input))], i64));
    }
    const output = this.lower(typed, input);
    const out = this.word(output, typed.output);
    // The output's address and length go to the I/O area, where the host reads them without a call.
    this.emit(m.i32.store(0, 4, m.i32.const(io), m.call(this.rt.rtEncode, [out, m.i32.const(this.data.desc(typed.output))], i32)));
    this.emit(m.i32.store(4, 4, m.i32.const(io), m.call(this.rt.rtEncodedLength, [], i32)));
    // The item succeeded: publish the state (the collector may move it), then answer.
    this.emit(m.global.set('state', m.call(this.rt.rtCommit, [m.local.get(this.stateLocal, i64), m.i32.const(this.stateIsPointer ? 1 : 0)], i64)));
    this.emit(m.i32.load(4, 4, m.i32.const(io)));
    const body = m.block(null, this.stmts, i32);
    m.addFunction('step', binaryen.createType([i32, i32]), i32, this.locals.slice(2), body);
  }

  localCount(): number {
    return this.locals.length;
  }

  // --- emitting ---

  private emit(e: ExpressionRef): void {
    this.stmts.push(e);
  }
  private newLocal(type: binaryen.Type): number {
    this.locals.push(type);
    return this.locals.length - 1;
  }
  /** Evaluates `e` (an i64) now, into a fresh local. */
  private bind(e: ExpressionRef): Sym & { k: 'val' } {
    const l = this.newLocal(i64);
    this.emit(this.m.local.set(l, e));
    return this.local(l);
  }
  private local(l: number): Sym & { k: 'val' } {
    return { k: 'val', e: () => this.m.local.get(l, i64), local: l };
  }
  private constant(c: bigint): Sym {
    return { k: 'val', e: () => this.m.i64.const(c), c };
  }
  /** Lowers into a separate statement list (a branch, a loop body) and returns it as one block. */
  private block(fill: () => void, label: string | null = null): ExpressionRef {
    const saved = this.stmts;
    this.stmts = [];
    fill();
    const b = this.m.block(label, this.stmts, none);
    this.stmts = saved;
    return b;
  }
  private label(what: string): string {
    return `${what}${this.labels++}`;
  }
  private ptr(e: ExpressionRef): ExpressionRef {
    return this.m.i32.wrap(e);
  }
  private raise(code: number, message: number): void {
    this.emit(this.m.call(this.rt.rtRaise, [this.m.i32.const(code), this.m.i32.const(message)], none));
    this.emit(this.m.unreachable());
  }
  /** Fuel for size (SIZE_STEP in engine.ts): `units` (an i64) rounded down to steps, raising OUT_OF_FUEL when fewer are left. */
  private fuelCharge(units: ExpressionRef): void {
    const m = this.m;
    const steps = this.newLocal(i64);
    this.emit(m.local.set(steps, m.i64.shr_u(units, m.i64.const(BigInt(Math.log2(SIZE_STEP))))));
    this.emit(m.if(m.i64.lt_u(m.local.get(FUEL, i64), m.local.get(steps, i64)), this.block(() => this.raise(ERROR_CODES.OUT_OF_FUEL, 0))));
    this.emit(m.local.set(FUEL, m.i64.sub(m.local.get(FUEL, i64), m.local.get(steps, i64))));
  }
  /** The count at +4 of a string (code points) or a non-empty list (elements), as an i64; 0 for the empty list. `word` gives a fresh expression per call. */
  private countOf(word: () => ExpressionRef, t: Type): ExpressionRef {
    const m = this.m;
    const count = m.i64.extend_u(m.i32.load(4, 4, this.ptr(word())));
    return t.kind === 'String' ? count : m.select(m.i64.ne(word(), m.i64.const(0n)), count, m.i64.const(0n));
  }
  /** The bytes a Show text may not reach: 64 × (fuel left + 1) could never be paid for (assembly/show.ts). */
  private showLimit(): ExpressionRef {
    const m = this.m;
    return m.i64.mul(m.i64.add(m.local.get(FUEL, i64), m.i64.const(1n)), m.i64.const(BigInt(SIZE_STEP)));
  }
  private fuelStep(): void {
    const m = this.m;
    this.emit(m.if(m.i64.eqz(m.local.get(FUEL, i64)), this.block(() => this.raise(ERROR_CODES.OUT_OF_FUEL, 0))));
    this.emit(m.local.set(FUEL, m.i64.sub(m.local.get(FUEL, i64), m.i64.const(1n))));
  }
  private callWord(fn: keyof RuntimeNames & string, args: ExpressionRef[]): Sym {
    return this.bind(this.m.call(this.rt[fn], args, i64));
  }

  // --- symbolic values ---

  /** One word for `s`: boxes (allocates) what is symbolic. Returns a pure expression. */
  private word(s: Sym, t: Type): ExpressionRef {
    const m = this.m;
    switch (s.k) {
      case 'unit':
        return m.i64.const(0n);
      case 'val':
        return s.e();
      case 'pair':
        if (t.kind !== 'Pair') throw new Error('internal error: pair symbol at ' + showType(t));
        return this.tupleWord([this.word(s.fst, t.fst), this.word(s.snd, t.snd)], [t.fst, t.snd]);
      case 'rec': {
        if (t.kind !== 'Record') throw new Error('internal error: record symbol at ' + showType(t));
        const words = s.fields.map((f, i) => this.word(f, t.fields[i].type));
        return this.tupleWord(words, t.fields.map((f) => f.type));
      }
      case 'inj': {
        const payloadType = altTypes(t)[s.tag];
        // Left (), Right (), a case with a () payload: one static cell each, never allocated.
        if (payloadType.kind === 'Unit') return m.i64.const(this.data.value(t, { tag: tagName(t, s.tag), value: null }));
        return this.taggedWord(s.tag, this.word(s.payload, payloadType), payloadType);
      }
      case 'sum': {
        const result = this.newLocal(i64);
        const types = altTypes(t);
        this.switchTag(s.tagLocal, types.length, (tag) => {
          const w = this.word({ k: 'inj', tag, payload: s.alts[tag] }, t);
          this.emit(m.local.set(result, w));
        });
        return m.local.get(result, i64);
      }
      case 'cases': {
        const result = this.newLocal(i64);
        this.switchTag(s.tagLocal, s.branches.length, (i) => this.emit(m.local.set(result, this.word(s.branches[i], t))));
        return m.local.get(result, i64);
      }
      default:
        return unreachableKind(s);
    }
  }

  /** Joins a `cases` into a fresh shape (one assignment per branch). */
  private materialize(s: Sym & { k: 'cases' }, t: Type): Sym {
    const shape = this.shape(t);
    this.assignGo(shape, s, t);
    return shape;
  }

  /** Calls `use` on each branch of a `cases` (under its tag), or on `s` itself. */
  private dispatch(s: Sym, t: Type, use: (concrete: Sym) => void): void {
    if (s.k !== 'cases') return use(s);
    if (leafCount(s) > MAX_CASES_LEAVES * 2) return use(this.materialize(s, t));
    this.switchTag(s.tagLocal, s.branches.length, (i) => this.dispatch(s.branches[i], t, use));
  }

  private tupleWord(words: ExpressionRef[], types: readonly Type[]): ExpressionRef {
    const m = this.m;
    const n = words.length;
    const base = tupleBase(n);
    const p = this.newLocal(i32);
    this.emit(m.local.set(p, m.call(this.rt.rtAlloc, [m.i32.const(base + 8 * n)], i32)));
    this.emit(m.i32.store(0, 4, m.local.get(p, i32), m.i32.const(K_TUPLE | (n << 3))));
    if (n <= 32) this.emit(m.i32.store(4, 4, m.local.get(p, i32), m.i32.const(pointerMask(types))));
    else {
      const maskWords = new Array<number>(Math.ceil(n / 32)).fill(0);
      types.forEach((t, i) => {
        if (isPointerType(t)) maskWords[i >> 5] |= 1 << (i & 31);
      });
      this.emit(m.i32.store(4, 4, m.local.get(p, i32), m.i32.const(0)));
      maskWords.forEach((w, k) => this.emit(m.i32.store(8 + 4 * k, 4, m.local.get(p, i32), m.i32.const(w | 0))));
    }
    words.forEach((w, i) => this.emit(m.i64.store(base + 8 * i, 8, m.local.get(p, i32), w)));
    return m.i64.extend_u(m.local.get(p, i32));
  }

  private taggedWord(tag: number, payload: ExpressionRef, payloadType: Type): ExpressionRef {
    const m = this.m;
    const p = this.newLocal(i32);
    this.emit(m.local.set(p, m.call(this.rt.rtAlloc, [m.i32.const(16)], i32)));
    this.emit(m.i32.store(0, 4, m.local.get(p, i32), m.i32.const(K_TAGGED | ((isPointerType(payloadType) ? 1 : 0) << 3))));
    this.emit(m.i32.store(4, 4, m.local.get(p, i32), m.i32.const(tag)));
    this.emit(m.i64.store(8, 8, m.local.get(p, i32), payload));
    return m.i64.extend_u(m.local.get(p, i32));
  }

  /** A word whose expression is one local.get or constant (binding it otherwise). */
  private atomic(s: Sym & { k: 'val' }): Sym & { k: 'val' } {
    if (s.local !== undefined || s.c !== undefined) return s;
    return this.bind(s.e()) as Sym & { k: 'val' };
  }

  private load(base: Sym & { k: 'val' }, offset: number): Sym {
    return { k: 'val', e: () => this.m.i64.load(offset, 8, this.ptr(base.e())) };
  }

  private pairOf(s: Sym, t: Type): [Sym, Sym] {
    if (s.k === 'cases') s = this.materialize(s, t);
    if (s.k === 'pair') return [s.fst, s.snd];
    if (s.k !== 'val' || t.kind !== 'Pair') throw new Error(`internal error: ${s.k} symbol as a pair`);
    const p = this.atomic(s);
    return [t.fst.kind === 'Unit' ? UNIT : this.load(p, 8), t.snd.kind === 'Unit' ? UNIT : this.load(p, 16)];
  }

  private recordOf(s: Sym, t: Type): readonly Sym[] {
    if (s.k === 'cases') s = this.materialize(s, t);
    if (s.k === 'rec') return s.fields;
    if (s.k !== 'val' || t.kind !== 'Record') throw new Error(`internal error: ${s.k} symbol as a record`);
    const p = this.atomic(s);
    const n = t.fields.length;
    return t.fields.map((f, i) => (f.type.kind === 'Unit' ? UNIT : this.load(p, tupleBase(n) + 8 * i)));
  }

  /** An Either/variant as a static tag (inj) or a tag in a local with one payload per tag (sum). */
  private sumOf(s: Sym, t: Type): (Sym & { k: 'inj' }) | (Sym & { k: 'sum' }) {
    if (s.k === 'cases') s = this.materialize(s, t);
    if (s.k === 'inj' || s.k === 'sum') return s;
    if (s.k !== 'val') throw new Error(`internal error: ${s.k} symbol as a sum`);
    const p = this.atomic(s);
    const tagLocal = this.newLocal(i32);
    this.emit(this.m.local.set(tagLocal, this.m.i32.load(4, 4, this.ptr(p.e()))));
    return { k: 'sum', tagLocal, alts: altTypes(t).map((a) => (a.kind === 'Unit' ? UNIT : this.load(p, 8))) };
  }

  /** Emits one branch per tag value (if-chains; the last branch takes any remaining tag). */
  private switchTag(tagLocal: number, count: number, branch: (tag: number) => void): void {
    const m = this.m;
    const chain = (tag: number): ExpressionRef => {
      const body = this.block(() => branch(tag));
      if (tag === count - 1) return body;
      return m.if(m.i32.eq(m.local.get(tagLocal, i32), m.i32.const(tag)), body, chain(tag + 1));
    };
    this.emit(chain(0));
  }

  // --- Show from the symbolic form ---

  /**
   * Show of `s`: what is known at compile time becomes static text, a branch per tag where the
   * value has one, and only the leaves known at run time are shown by the runtime. A value that
   * is constant in a branch (most answers of a command's Case) costs no allocation at all.
   */
  private show(s: Sym, t: Type): Sym {
    const m = this.m;
    const known = this.staticValue(s, t);
    if (known !== undefined) return this.constant(BigInt(this.data.string(showValue(t, known))));
    switch (s.k) {
      case 'val':
        return this.callWord('rtShow', [s.e(), m.i32.const(this.data.desc(t)), this.showLimit()]);
      case 'sum':
      case 'cases': {
        const result = this.newLocal(i64);
        const branches = s.k === 'sum' ? s.alts.map((payload, tag): Sym => ({ k: 'inj', tag, payload })) : s.branches;
        this.switchTag(s.tagLocal, branches.length, (i) => this.emit(m.local.set(result, this.word(this.show(branches[i], t), Str))));
        return this.local(result);
      }
      default: {
        this.emit(m.call(this.rt.rtShowStart, [this.showLimit()], none));
        const text = { pending: '' };
        this.showPieces(s, t, false, text);
        this.flushShowText(text);
        return this.bind(m.call(this.rt.rtShowFinish, [], i64));
      }
    }
  }

  /** Writes the text of `s` (as a constructor argument when `asArgument`), static parts gathered in `text`. */
  private showPieces(s: Sym, t: Type, asArgument: boolean, text: { pending: string }): void {
    const m = this.m;
    const known = this.staticValue(s, t);
    if (known !== undefined) {
      text.pending += asArgument ? showValueArg(t, known) : showValue(t, known);
      return;
    }
    switch (s.k) {
      case 'unit':
        text.pending += '()';
        return;
      case 'val':
        this.flushShowText(text);
        this.emit(m.call(this.rt.rtShowNext, [s.e(), m.i32.const(this.data.desc(t)), m.i32.const(asArgument ? 1 : 0)], none));
        return;
      case 'inj':
        text.pending += (asArgument ? '(' : '') + tagName(t, s.tag) + ' ';
        this.showPieces(s.payload, altTypes(t)[s.tag], true, text);
        if (asArgument) text.pending += ')';
        return;
      case 'pair':
        if (t.kind !== 'Pair') throw new Error('internal error: pair symbol at ' + showType(t));
        text.pending += '(';
        this.showPieces(s.fst, t.fst, false, text);
        text.pending += ',';
        this.showPieces(s.snd, t.snd, false, text);
        text.pending += ')';
        return;
      case 'rec':
        if (t.kind !== 'Record') throw new Error('internal error: record symbol at ' + showType(t));
        text.pending += '{';
        t.fields.forEach((f, i) => {
          text.pending += (i === 0 ? '' : ', ') + f.name + ' = ';
          this.showPieces(s.fields[i], f.type, false, text);
        });
        text.pending += '}';
        return;
      case 'sum':
      case 'cases': {
        this.flushShowText(text);
        const branches = s.k === 'sum' ? s.alts.map((payload, tag): Sym => ({ k: 'inj', tag, payload })) : s.branches;
        this.switchTag(s.tagLocal, branches.length, (i) => {
          const own = { pending: '' };
          this.showPieces(branches[i], t, asArgument, own);
          this.flushShowText(own);
        });
        return;
      }
      default:
        return unreachableKind(s);
    }
  }

  private flushShowText(text: { pending: string }): void {
    if (text.pending === '') return;
    this.emit(this.m.call(this.rt.rtShowText, [this.m.i32.const(this.data.string(text.pending))], none));
    text.pending = '';
  }

  /** The value of `s` when it is known at compile time (built of constants), else undefined. */
  private staticValue(s: Sym, t: Type): Value | undefined {
    switch (s.k) {
      case 'unit':
        return null;
      case 'val':
        if (t.kind === 'Unit') return null;
        if (s.c === undefined) return undefined;
        if (t.kind === 'Int') return s.c;
        if (t.kind === 'Bool') return s.c !== 0n;
        return undefined;
      case 'inj': {
        const payload = this.staticValue(s.payload, altTypes(t)[s.tag]);
        return payload === undefined ? undefined : { tag: tagName(t, s.tag), value: payload };
      }
      case 'pair': {
        if (t.kind !== 'Pair') return undefined;
        const a = this.staticValue(s.fst, t.fst);
        const b = a === undefined ? undefined : this.staticValue(s.snd, t.snd);
        return a === undefined || b === undefined ? undefined : [a, b];
      }
      case 'rec': {
        if (t.kind !== 'Record') return undefined;
        const r: Record<string, Value> = {};
        for (let i = 0; i < t.fields.length; i++) {
          const v = this.staticValue(s.fields[i], t.fields[i].type);
          if (v === undefined) return undefined;
          r[t.fields[i].name] = v;
        }
        return r;
      }
      case 'sum':
      case 'cases':
        return undefined;
      default:
        return unreachableKind(s);
    }
  }

  // --- shapes: where control flow joins, a value lives in locals ---

  private shape(t: Type): Sym {
    if (countLeaves(t, MAX_SHAPE_LEAVES) > MAX_SHAPE_LEAVES) return this.local(this.newLocal(i64));
    return this.shapeGo(t);
  }

  private shapeGo(t: Type): Sym {
    switch (t.kind) {
      case 'Unit':
        return UNIT;
      case 'Int':
      case 'Bool':
      case 'String':
      case 'List':
      case 'Map':
        return this.local(this.newLocal(i64));
      case 'Pair':
        return { k: 'pair', fst: this.shapeGo(t.fst), snd: this.shapeGo(t.snd) };
      case 'Record':
        return { k: 'rec', fields: t.fields.map((f) => this.shapeGo(f.type)) };
      case 'Either':
      case 'Variant':
        return { k: 'sum', tagLocal: this.newLocal(i32), alts: altTypes(t).map((a) => this.shapeGo(a)) };
      default:
        return unreachableKind(t);
    }
  }

  /**
   * Stores `s` into the locals of `shape`. With `viaTemps`, every leaf is first evaluated into a
   * fresh local and only then copied, because `s` may read the very locals being assigned (a loop
   * variable updated from its own previous value).
   */
  private assign(shape: Sym, s: Sym, t: Type, viaTemps: boolean): void {
    if (!viaTemps) return this.assignGo(shape, s, t);
    this.assignGo(shape, this.snapshot(s, t), t);
  }

  /**
   * `s` with every leaf read into a fresh local now, keeping its structure (a static tag stays
   * static). A sum whose payloads load from memory may only read them under its tag: that one
   * goes through a shape, where the reads are guarded.
   */
  private snapshot(s: Sym, t: Type): Sym {
    switch (s.k) {
      case 'unit':
        return s;
      case 'val':
        return s.c !== undefined ? s : this.bind(s.e());
      case 'pair':
        return { k: 'pair', fst: this.snapshot(s.fst, this.fstType(t)), snd: this.snapshot(s.snd, this.sndType(t)) };
      case 'rec': {
        if (t.kind !== 'Record') throw new Error('internal error: record symbol at ' + showType(t));
        return { k: 'rec', fields: s.fields.map((f, i) => this.snapshot(f, t.fields[i].type)) };
      }
      case 'inj':
        return { k: 'inj', tag: s.tag, payload: this.snapshot(s.payload, altTypes(t)[s.tag]) };
      case 'sum': {
        if (s.alts.every(readsOnlyLocals)) {
          const tagLocal = this.newLocal(i32);
          this.emit(this.m.local.set(tagLocal, this.m.local.get(s.tagLocal, i32)));
          return { k: 'sum', tagLocal, alts: s.alts.map((a, i) => this.snapshot(a, altTypes(t)[i])) };
        }
        const temp = this.shape(t);
        this.assignGo(temp, s, t);
        return temp;
      }
      case 'cases':
        return this.materialize(s, t);
      default:
        return unreachableKind(s);
    }
  }

  private assignGo(shape: Sym, s: Sym, t: Type): void {
    const m = this.m;
    if (s.k === 'cases') {
      this.switchTag(s.tagLocal, s.branches.length, (i) => this.assignGo(shape, s.branches[i], t));
      return;
    }
    switch (shape.k) {
      case 'unit':
        return;
      case 'val':
        this.emit(m.local.set(shape.local!, this.word(s, t)));
        return;
      case 'pair': {
        if (t.kind !== 'Pair') throw new Error('internal error: pair shape at ' + showType(t));
        const [a, b] = this.pairOf(s, t);
        this.assignGo(shape.fst, a, t.fst);
        this.assignGo(shape.snd, b, t.snd);
        return;
      }
      case 'rec': {
        if (t.kind !== 'Record') throw new Error('internal error: record shape at ' + showType(t));
        const fields = this.recordOf(s, t);
        shape.fields.forEach((f, i) => this.assignGo(f, fields[i], t.fields[i].type));
        return;
      }
      case 'sum': {
        const types = altTypes(t);
        const x = this.sumOf(s, t);
        if (x.k === 'inj') {
          this.emit(m.local.set(shape.tagLocal, m.i32.const(x.tag)));
          this.assignGo(shape.alts[x.tag], x.payload, types[x.tag]);
          return;
        }
        this.emit(m.local.set(shape.tagLocal, m.local.get(x.tagLocal, i32)));
        this.switchTag(x.tagLocal, types.length, (tag) => this.assignGo(shape.alts[tag], x.alts[tag], types[tag]));
        return;
      }
      case 'inj':
      case 'cases':
        throw new Error(`internal error: a ${shape.k} symbol is not a shape`);
      default:
        return unreachableKind(shape);
    }
  }

  // --- terms ---

  private childOf(node: Typed, i: number): Typed {
    return node.children[i];
  }

  lower(node: Typed, x: Sym): Sym {
    const m = this.m;
    const term = node.term;
    const inT = node.input;
    const outT = node.output;
    if (x.k === 'cases' && term.op !== 'Id' && term.op !== 'Compose') {
      const leaves = leafCount(x);
      if (leaves <= MAX_CASES_LEAVES && sizeOf(term) * leaves <= DUPLICATE_BUDGET) {
        const branches: Sym[] = [];
        const input = x;
        this.switchTag(input.tagLocal, input.branches.length, (i) => {
          branches[i] = this.lower(node, input.branches[i]);
        });
        return { k: 'cases', tagLocal: input.tagLocal, branches };
      }
      x = this.materialize(x, inT);
    }
    switch (term.op) {
      case 'Id':
        return x;
      case 'Compose': {
        // A chain of Composes (how terms usually grow deep) is lowered in a loop, in execution
        // order (right first), so its length costs no stack.
        const chain: Typed[] = [];
        const todo: Typed[] = [node];
        while (todo.length > 0) {
          const t = todo.pop()!;
          if (t.term.op === 'Compose') todo.push(t.children[0], t.children[1]);
          else chain.push(t);
        }
        let y = x;
        for (let i = 0; i < chain.length; i++) {
          const [t, next, last] = [chain[i], chain[i + 1], chain[i + 2]];
          if (t.term.op === 'MapToList' && next?.term.op === 'ListMap' && last?.term.op === 'MapFromList') {
            y = this.mapThroughEntries(t, next, last, y);
            i += 2;
          } else y = this.lower(t, y);
        }
        return y;
      }
      case 'Fst':
        return this.pairOf(x, inT)[0];
      case 'Snd':
        return this.pairOf(x, inT)[1];
      case 'Int':
        return this.constant(term.value);
      case 'Copy':
        return { k: 'pair', fst: x, snd: x };
      case 'First': {
        const [a, c] = this.pairOf(x, inT);
        return { k: 'pair', fst: this.lower(this.childOf(node, 0), a), snd: c };
      }
      case 'Second': {
        const [a, b] = this.pairOf(x, inT);
        return { k: 'pair', fst: a, snd: this.lower(this.childOf(node, 0), b) };
      }
      case 'Case': {
        const s = this.sumOf(x, inT);
        if (s.k === 'inj') return { k: 'inj', tag: s.tag, payload: this.lower(this.childOf(node, s.tag), s.payload) };
        // Each branch's result is read only under the same tag: no join needed.
        const alts: Sym[] = [];
        this.switchTag(s.tagLocal, 2, (tag) => {
          alts[tag] = this.lower(this.childOf(node, tag), s.alts[tag]);
        });
        return { k: 'sum', tagLocal: s.tagLocal, alts };
      }
      case 'Fanout': {
        const a = this.lower(this.childOf(node, 0), x);
        const b = this.lower(this.childOf(node, 1), x);
        return { k: 'pair', fst: a, snd: b };
      }
      case 'Incr':
        return this.intOp(x, undefined, (a) => m.i64.add(a, m.i64.const(1n)), (a) => a + 1n);
      case 'Decr':
        return this.intOp(x, undefined, (a) => m.i64.sub(a, m.i64.const(1n)), (a) => a - 1n);
      case 'Neg':
        return this.intOp(x, undefined, (a) => m.i64.sub(m.i64.const(0n), a), (a) => -a);
      case 'Consume':
        return UNIT;
      case 'Get': {
        if (this.stateType.kind === 'Unit') return UNIT;
        return this.bind(m.local.get(this.stateLocal, i64));
      }
      case 'Put':
        this.emit(m.local.set(this.stateLocal, this.word(x, this.stateType)));
        return UNIT;
      case 'If': {
        const [a, flag] = this.pairOf(x, inT);
        if (flag.k === 'val' && flag.c !== undefined) return this.lower(this.childOf(node, flag.c !== 0n ? 0 : 1), a);
        const tagLocal = this.newLocal(i32);
        this.emit(m.local.set(tagLocal, m.i64.ne(this.word(flag, { kind: 'Bool' }), m.i64.const(0n))));
        let onTrue: Sym = UNIT;
        let onFalse: Sym = UNIT;
        const yes = this.block(() => {
          onTrue = this.lower(this.childOf(node, 0), a);
        });
        const no = this.block(() => {
          onFalse = this.lower(this.childOf(node, 1), a);
        });
        this.emit(m.if(m.local.get(tagLocal, i32), yes, no));
        return { k: 'cases', tagLocal, branches: [onFalse, onTrue] };
      }
      case 'Bool':
        return this.constant(term.value ? 1n : 0n);
      case 'Not':
        return this.intOp(x, undefined, (a) => m.i64.xor(a, m.i64.const(1n)), (a) => (a === 0n ? 1n : 0n));
      case 'Read': {
        const args = [this.word(x, inT), m.i32.const(this.data.desc(term.type)), m.i32.const(this.data.string(`Read: no parse as ${showType(term.type)}`))];
        // A type with few values (commands as Eithers and variants of ()): their texts as Show
        // writes them are looked up before the reader runs.
        const table = this.data.readTable(term.type);
        if (table !== null) return this.callWord('rtReadKnown', [...args, m.i32.const(table)]);
        return this.callWord('rtRead', args);
      }
      case 'Show': {
        const known = this.staticValue(x, term.type);
        if (known !== undefined) {
          const shown = showValue(term.type, known); // ASCII only: its length is its code points
          if (shown.length >= SIZE_STEP) this.fuelCharge(m.i64.const(BigInt(shown.length)));
          return this.constant(BigInt(this.data.string(shown)));
        }
        const text = this.bind(this.word(this.show(x, term.type), Str));
        this.fuelCharge(this.countOf(text.e, Str));
        return text;
      }
      case 'Eq': {
        const equal = this.equality(x, inT);
        if (typeof equal === 'boolean') return { k: 'inj', tag: equal ? 0 : 1, payload: UNIT };
        const tagLocal = this.newLocal(i32);
        this.emit(m.local.set(tagLocal, m.i32.eqz(equal)));
        return { k: 'sum', tagLocal, alts: [UNIT, UNIT] };
      }
      case 'Equal': {
        const equal = this.equality(x, inT);
        if (typeof equal === 'boolean') return this.constant(equal ? 1n : 0n);
        return this.bind(m.i64.extend_u(equal));
      }
      case 'Unleft':
        return this.unleft(node, term, x);
      case 'Add':
        return this.intOp2(x, inT, (a, b) => m.i64.add(a, b), (a, b) => a + b);
      case 'Sub':
        return this.intOp2(x, inT, (a, b) => m.i64.sub(a, b), (a, b) => a - b);
      case 'Mul':
        return this.intOp2(x, inT, (a, b) => m.i64.mul(a, b), (a, b) => a * b);
      case 'Div':
      case 'Mod':
        return this.division(term.op, x, inT);
      case 'Lt':
      case 'Le':
      case 'Gt':
      case 'Ge':
        return this.ordering(term.op, x, inT);
      case 'And':
        return this.intOp2(x, inT, (a, b) => m.i64.and(a, b), (a, b) => a & b);
      case 'Or':
        return this.intOp2(x, inT, (a, b) => m.i64.or(a, b), (a, b) => a | b);
      case 'Concat': {
        const [a, b] = this.pairOf(x, inT);
        const [wa, wb] = [this.bind(this.word(a, Str)), this.bind(this.word(b, Str))];
        this.fuelCharge(m.i64.add(this.countOf(wa.e, Str), this.countOf(wb.e, Str)));
        return this.callWord('rtConcat', [wa.e(), wb.e()]);
      }
      case 'StrLength': {
        const s = this.atomic(x as Sym & { k: 'val' });
        return this.bind(m.i64.extend_u(m.i32.load(4, 4, this.ptr(s.e()))));
      }
      case 'Slice': {
        const [s, range] = this.pairOf(x, inT);
        const [from, to] = this.pairOf(range, this.sndType(inT));
        return this.callWord('rtSlice', [this.word(s, this.fstType(inT)), this.word(from, { kind: 'Int' }), this.word(to, { kind: 'Int' })]);
      }
      case 'Split': {
        const [a, b] = this.pairOf(x, inT);
        return this.callWord('rtSplit', [this.word(a, this.fstType(inT)), this.word(b, this.sndType(inT))]);
      }
      case 'ParseInt':
        return this.callWord('rtParseInt', [this.word(x, inT)]);
      case 'ShowInt':
        if (x.k === 'val' && x.c !== undefined) return this.constant(BigInt(this.data.string(x.c.toString())));
        return this.callWord('rtShowInt', [this.word(x, inT)]);
      case 'InLeft':
        return { k: 'inj', tag: 0, payload: x };
      case 'InRight':
        return { k: 'inj', tag: 1, payload: x };
      case 'Merge': {
        const s = this.sumOf(x, inT);
        if (s.k === 'inj') return s.payload;
        return { k: 'cases', tagLocal: s.tagLocal, branches: s.alts };
      }
      case 'Distr': {
        const [a, e] = this.pairOf(x, inT);
        const s = this.sumOf(e, this.sndType(inT));
        if (s.k === 'inj') return { k: 'inj', tag: s.tag, payload: { k: 'pair', fst: a, snd: s.payload } };
        return { k: 'sum', tagLocal: s.tagLocal, alts: s.alts.map((p) => ({ k: 'pair', fst: a, snd: p }) as Sym) };
      }
      case 'Nil':
      case 'MapEmpty':
        return this.constant(0n);
      case 'Cons': {
        const [h, l] = this.pairOf(x, inT);
        const elem = this.fstType(inT);
        return this.callWord('rtCons', [this.word(h, elem), this.word(l, this.sndType(inT)), m.i32.const(isPointerType(elem) ? 1 : 0)]);
      }
      case 'Uncons': {
        const l = this.atomic(x as Sym & { k: 'val' });
        const tagLocal = this.newLocal(i32);
        this.emit(m.local.set(tagLocal, m.i64.ne(l.e(), m.i64.const(0n))));
        const elem = (inT as { elem: Type }).elem;
        return { k: 'sum', tagLocal, alts: [UNIT, { k: 'pair', fst: elem.kind === 'Unit' ? UNIT : this.load(l, 8), snd: this.load(l, 16) }] };
      }
      case 'ListLength':
      case 'MapSize': {
        const l = this.atomic(x as Sym & { k: 'val' });
        if (l.c === 0n) return this.constant(0n);
        return this.bind(m.select(m.i64.ne(l.e(), m.i64.const(0n)), m.i64.extend_u(m.i32.load(4, 4, this.ptr(l.e()))), m.i64.const(0n)));
      }
      case 'Append': {
        const [a, b] = this.pairOf(x, inT);
        const [ta, tb] = [this.fstType(inT), this.sndType(inT)];
        const [wa, wb] = [this.bind(this.word(a, ta)), this.bind(this.word(b, tb))];
        this.fuelCharge(m.i64.add(this.countOf(wa.e, ta), this.countOf(wb.e, tb)));
        return this.callWord('rtAppend', [wa.e(), wb.e()]);
      }
      case 'Reverse':
        return this.callWord('rtReverse', [this.word(x, inT)]);
      case 'ListMap':
        return this.listMap(node, x);
      case 'Fold':
        return this.fold(node, x);
      case 'MapInsert': {
        const [mp, kv] = this.pairOf(x, inT);
        const mapType = this.fstType(inT);
        const [k, v] = this.pairOf(kv, this.sndType(inT));
        const { key, value } = mapType as { key: Type; value: Type };
        return this.callWord('rtMapInsert', [this.word(mp, mapType), this.word(k, key), this.word(v, value), m.i32.const(this.data.desc(mapType))]);
      }
      case 'MapLookup': {
        const [mp, k] = this.pairOf(x, inT);
        const mapType = this.fstType(inT);
        const { key, value } = mapType as { key: Type; value: Type };
        const found = this.newLocal(i32);
        this.emit(m.local.set(found, m.call(this.rt.rtMapFind, [this.word(mp, mapType), this.word(k, key), m.i32.const(this.data.desc(mapType))], i32)));
        const tagLocal = this.newLocal(i32);
        this.emit(m.local.set(tagLocal, m.i32.ne(m.local.get(found, i32), m.i32.const(0))));
        const payload: Sym = value.kind === 'Unit' ? UNIT : { k: 'val', e: () => m.i64.load(16, 8, m.local.get(found, i32)) };
        return { k: 'sum', tagLocal, alts: [UNIT, payload] };
      }
      case 'MapDelete': {
        const [mp, k] = this.pairOf(x, inT);
        const mapType = this.fstType(inT);
        return this.callWord('rtMapDelete', [this.word(mp, mapType), this.word(k, (mapType as { key: Type }).key), m.i32.const(this.data.desc(mapType))]);
      }
      case 'MapKeys':
        return this.callWord('rtMapKeys', [this.word(x, inT), m.i32.const(this.data.desc(inT))]);
      case 'MapToList':
        return this.callWord('rtMapToList', [this.word(x, inT), m.i32.const(this.data.desc(inT))]);
      case 'MapFromList':
        return this.callWord('rtMapFromList', [this.word(x, inT), m.i32.const(this.data.desc(outT))]);
      case 'Record':
        // children are in field-name order, which is also evaluation order and layout order.
        return { k: 'rec', fields: node.children.map((c) => this.lower(c, x)) };
      case 'Field': {
        if (inT.kind !== 'Record') throw new Error('internal error: Field of ' + showType(inT));
        const i = inT.fields.findIndex((f) => f.name === term.name);
        return this.recordOf(x, inT)[i];
      }
      case 'SetField': {
        const [r, v] = this.pairOf(x, inT);
        const recordType = this.fstType(inT);
        if (recordType.kind !== 'Record') throw new Error('internal error: SetField of ' + showType(recordType));
        const i = recordType.fields.findIndex((f) => f.name === term.name);
        const fields = [...this.recordOf(r, recordType)];
        fields[i] = v;
        return { k: 'rec', fields };
      }
      case 'Inject': {
        if (outT.kind !== 'Variant') throw new Error('internal error: Inject into ' + showType(outT));
        return { k: 'inj', tag: outT.cases.findIndex((c) => c.name === term.name), payload: x };
      }
      case 'Match': {
        const s = this.sumOf(x, inT);
        if (s.k === 'inj') return this.lower(this.childOf(node, s.tag), s.payload);
        const results: Sym[] = [];
        this.switchTag(s.tagLocal, altTypes(inT).length, (tag) => {
          results[tag] = this.lower(this.childOf(node, tag), s.alts[tag]);
        });
        return { k: 'cases', tagLocal: s.tagLocal, branches: results };
      }
      case 'Const':
        return this.constSym(term.type, term.value);
      case 'Fail':
        this.raise(ERROR_CODES.FAIL, this.data.string(term.message));
        return this.dead(outT);
      default:
        return unreachableKind(term);
    }
  }

  private fstType(t: Type): Type {
    if (t.kind !== 'Pair') throw new Error('internal error: expected a pair type, got ' + showType(t));
    return t.fst;
  }
  private sndType(t: Type): Type {
    if (t.kind !== 'Pair') throw new Error('internal error: expected a pair type, got ' + showType(t));
    return t.snd;
  }

  /** A placeholder of type t after a Fail (never reached at run time). */
  private dead(t: Type): Sym {
    return t.kind === 'Unit' ? UNIT : this.constant(0n);
  }

  /** Constants stay symbolic down to their leaves, so Case/Match/If on a constant resolve at compile time. */
  private constSym(t: Type, v: Value): Sym {
    switch (t.kind) {
      case 'Unit':
        return UNIT;
      case 'Int':
      case 'Bool':
      case 'String':
      case 'List':
      case 'Map':
        return this.constant(this.data.value(t, v));
      case 'Pair': {
        const p = v as PairValue;
        return { k: 'pair', fst: this.constSym(t.fst, p[0]), snd: this.constSym(t.snd, p[1]) };
      }
      case 'Record': {
        const r = v as RecordValue;
        return { k: 'rec', fields: t.fields.map((f) => this.constSym(f.type, r[f.name])) };
      }
      case 'Either': {
        const x = v as TaggedValue;
        const tag = x.tag === 'Left' ? 0 : 1;
        return { k: 'inj', tag, payload: this.constSym(tag === 0 ? t.left : t.right, x.value) };
      }
      case 'Variant': {
        const x = v as TaggedValue;
        const tag = t.cases.findIndex((c) => c.name === x.tag);
        return { k: 'inj', tag, payload: this.constSym(t.cases[tag].type, x.value) };
      }
      default:
        return unreachableKind(t);
    }
  }

  private intOp(x: Sym, _t: Type | undefined, op: (a: ExpressionRef) => ExpressionRef, fold: (a: bigint) => bigint): Sym {
    if (x.k === 'val' && x.c !== undefined) return this.constant(BigInt.asIntN(64, fold(x.c)));
    return this.bind(op(this.word(x, { kind: 'Int' })));
  }

  private intOp2(x: Sym, t: Type, op: (a: ExpressionRef, b: ExpressionRef) => ExpressionRef, fold: (a: bigint, b: bigint) => bigint): Sym {
    const [a, b] = this.pairOf(x, t);
    if (a.k === 'val' && a.c !== undefined && b.k === 'val' && b.c !== undefined) return this.constant(BigInt.asIntN(64, fold(a.c, b.c)));
    return this.bind(op(this.word(a, this.fstType(t)), this.word(b, this.sndType(t))));
  }

  /** Div and Mod: division by zero is an item error; INT_MIN / -1 wraps (Wasm's i64.div_s would trap). */
  private division(op: 'Div' | 'Mod', x: Sym, t: Type): Sym {
    const m = this.m;
    const [a0, b0] = this.pairOf(x, t);
    if (a0.k === 'val' && a0.c !== undefined && b0.k === 'val' && b0.c !== undefined && b0.c !== 0n) {
      const a = a0.c;
      const b = b0.c;
      if (b === -1n) return this.constant(op === 'Div' ? BigInt.asIntN(64, -a) : 0n);
      const q = a / b; // BigInt division truncates toward zero
      return this.constant(op === 'Div' ? q : a - q * b);
    }
    const a = this.atomic(this.bind(this.word(a0, { kind: 'Int' })) as Sym & { k: 'val' });
    const b = this.atomic(this.bind(this.word(b0, { kind: 'Int' })) as Sym & { k: 'val' });
    this.emit(m.if(m.i64.eqz(b.e()), this.block(() => this.raise(ERROR_CODES.DIVIDE_BY_ZERO, this.data.string('division by zero')))));
    // i64.rem_s does not trap on INT_MIN % -1 (it gives 0) and has the sign of the dividend.
    if (op === 'Mod') return this.bind(m.i64.rem_s(a.e(), b.e()));
    // i64.div_s traps on INT_MIN / -1, so -1 takes the (wrapping) negation instead; a branch, not a
    // select, because a select would evaluate the division anyway.
    const q = this.newLocal(i64);
    this.emit(m.if(m.i64.eq(b.e(), m.i64.const(-1n)), m.local.set(q, m.i64.sub(m.i64.const(0n), a.e())), m.local.set(q, m.i64.div_s(a.e(), b.e()))));
    return this.local(q);
  }

  /** Equality of the two components: a boolean at compile time, or an i32 expression (1 when equal). */
  private equality(x: Sym, t: Type): boolean | ExpressionRef {
    const m = this.m;
    const [a, b] = this.pairOf(x, t);
    const ty = this.fstType(t);
    if (ty.kind === 'Unit') return true;
    if (ty.kind === 'Int' || ty.kind === 'Bool') {
      const wa = this.word(a, ty);
      const wb = this.word(b, ty);
      if (a.k === 'val' && a.c !== undefined && b.k === 'val' && b.c !== undefined) return a.c === b.c;
      const l = this.newLocal(i32);
      this.emit(m.local.set(l, m.i64.eq(wa, wb)));
      return m.local.get(l, i32);
    }
    const l = this.newLocal(i32);
    this.emit(m.local.set(l, m.call(this.rt.rtEqual, [this.word(a, ty), this.word(b, ty), m.i32.const(this.data.desc(ty))], i32)));
    return m.local.get(l, i32);
  }

  private ordering(op: 'Lt' | 'Le' | 'Gt' | 'Ge', x: Sym, t: Type): Sym {
    const m = this.m;
    const [a, b] = this.pairOf(x, t);
    const ty = this.fstType(t);
    if (ty.kind === 'Unit') return this.constant(op === 'Le' || op === 'Ge' ? 1n : 0n);
    let left: ExpressionRef;
    let right: ExpressionRef;
    if (ty.kind === 'Int' || ty.kind === 'Bool') {
      if (a.k === 'val' && a.c !== undefined && b.k === 'val' && b.c !== undefined) {
        const c = a.c < b.c ? -1 : a.c > b.c ? 1 : 0;
        const r = op === 'Lt' ? c < 0 : op === 'Le' ? c <= 0 : op === 'Gt' ? c > 0 : c >= 0;
        return this.constant(r ? 1n : 0n);
      }
      left = this.word(a, ty);
      right = this.word(b, ty);
      const cmp = op === 'Lt' ? m.i64.lt_s(left, right) : op === 'Le' ? m.i64.le_s(left, right) : op === 'Gt' ? m.i64.gt_s(left, right) : m.i64.ge_s(left, right);
      return this.bind(m.i64.extend_u(cmp));
    }
    const c = this.newLocal(i32);
    this.emit(m.local.set(c, m.call(this.rt.rtCompare, [this.word(a, ty), this.word(b, ty), m.i32.const(this.data.desc(ty))], i32)));
    left = m.local.get(c, i32);
    right = m.i32.const(0);
    const cmp = op === 'Lt' ? m.i32.lt_s(left, right) : op === 'Le' ? m.i32.le_s(left, right) : op === 'Gt' ? m.i32.gt_s(left, right) : m.i32.ge_s(left, right);
    return this.bind(m.i64.extend_u(cmp));
  }

  /** Unleft: the loop variable `Either a c` lives in a shape; one fuel step per body call. */
  private unleft(node: Typed, _term: UnleftTerm, x: Sym): Sym {
    const m = this.m;
    const body = this.childOf(node, 0);
    const loopType = body.input; // Either a c
    const bodyOut = body.output; // Either b c
    const [, cType] = altTypes(loopType);
    const v = this.shape(loopType);
    this.assign(v, { k: 'inj', tag: 0, payload: x }, loopType, false);
    const result = this.shape(node.output);
    const exit = this.label('unleft_exit');
    const top = this.label('unleft_loop');
    const loopBody = this.block(() => {
      this.fuelStep();
      const out = this.lower(body, v);
      const [bType] = altTypes(bodyOut);
      const done = (payload: Sym) => {
        this.assign(result, payload, bType, false);
        this.emit(m.br(exit));
      };
      const again = (payload: Sym) => {
        this.assign(v, { k: 'inj', tag: 1, payload }, loopType, true);
        this.emit(m.br(top));
      };
      // Per branch of the body's result: where its tag is static, the exit test disappears.
      this.dispatch(out, bodyOut, (concrete) => {
        const r = this.sumOf(concrete, bodyOut);
        if (r.k === 'inj') {
          if (r.tag === 0) done(r.payload);
          else again(r.payload);
        } else {
          this.switchTag(r.tagLocal, 2, (tag) => (tag === 0 ? done(r.alts[0]) : again(r.alts[1])));
        }
      });
    });
    void cType;
    this.emit(m.block(exit, [m.loop(top, loopBody)], none));
    return result;
  }

  /** ListMap: elements first to last, one fuel step each; the result list is built front to back. */
  private listMap(node: Typed, x: Sym): Sym {
    const m = this.m;
    const body = this.childOf(node, 0);
    const outElem = (node.output as { elem: Type }).elem;
    const cur = this.newLocal(i32);
    const first = this.newLocal(i32);
    const last = this.newLocal(i32);
    const remaining = this.newLocal(i32);
    const cell = this.newLocal(i32);
    this.emit(m.local.set(cur, this.ptr(this.word(x, node.input))));
    this.emit(m.local.set(first, m.i32.const(0)));
    this.emit(m.local.set(last, m.i32.const(0)));
    this.emit(m.local.set(remaining, m.select(m.local.get(cur, i32), m.i32.load(4, 4, m.local.get(cur, i32)), m.i32.const(0))));
    const exit = this.label('map_exit');
    const top = this.label('map_loop');
    const loopBody = this.block(() => {
      this.emit(m.br(exit, m.i32.eqz(m.local.get(cur, i32))));
      this.fuelStep();
      const inElem = (node.input as { elem: Type }).elem;
      const head: Sym = inElem.kind === 'Unit' ? UNIT : this.bind(m.i64.load(8, 8, m.local.get(cur, i32)));
      const out = this.word(this.lower(body, head), outElem);
      this.emit(m.local.set(cell, m.call(this.rt.rtAlloc, [m.i32.const(24)], i32)));
      this.emit(m.i32.store(0, 4, m.local.get(cell, i32), m.i32.const(K_CONS | ((isPointerType(outElem) ? 1 : 0) << 3))));
      this.emit(m.i32.store(4, 4, m.local.get(cell, i32), m.local.get(remaining, i32)));
      this.emit(m.i64.store(8, 8, m.local.get(cell, i32), out));
      this.emit(m.i64.store(16, 8, m.local.get(cell, i32), m.i64.const(0n)));
      this.emit(
        m.if(
          m.local.get(last, i32),
          m.i64.store(16, 8, m.local.get(last, i32), m.i64.extend_u(m.local.get(cell, i32))),
          m.local.set(first, m.local.get(cell, i32)),
        ),
      );
      this.emit(m.local.set(last, m.local.get(cell, i32)));
      this.emit(m.local.set(remaining, m.i32.sub(m.local.get(remaining, i32), m.i32.const(1))));
      this.emit(m.local.set(cur, m.i32.wrap(m.i64.load(16, 8, m.local.get(cur, i32)))));
      this.emit(m.br(top));
    });
    this.emit(m.block(exit, [m.loop(top, loopBody)], none));
    return this.bind(m.i64.extend_u(m.local.get(first, i32)));
  }

  /**
   * MapFromList . ListMap f . MapToList (a migration's usual shape: every entry rewritten) without
   * the two lists: the entries go into a scratch array, `f` rewrites each in place, first to last
   * with one fuel step each as ListMap, and the map is built from the array as MapFromList would
   * (sorted when `f` kept the order, later entries winning on equal keys).
   */
  private mapThroughEntries(toList: Typed, listMap: Typed, fromList: Typed, x: Sym): Sym {
    const m = this.m;
    const mapType = toList.input;
    const entryIn = (listMap.input as { elem: Type }).elem;
    const entryOut = (listMap.output as { elem: Type }).elem;
    if (entryIn.kind !== 'Pair' || entryOut.kind !== 'Pair') throw new Error('internal error: map entries are not pairs');
    const map = this.newLocal(i32);
    const entries = this.newLocal(i32);
    const count = this.newLocal(i32);
    const at = this.newLocal(i32);
    this.emit(m.local.set(map, this.ptr(this.word(x, mapType))));
    this.emit(m.local.set(count, m.select(m.local.get(map, i32), m.i32.load(4, 4, m.local.get(map, i32)), m.i32.const(0))));
    this.emit(m.local.set(entries, m.call(this.rt.rtMapEntries, [m.local.get(map, i32)], i32)));
    this.emit(m.local.set(at, m.local.get(entries, i32)));
    const end = m.i32.add(m.local.get(entries, i32), m.i32.shl(m.local.get(count, i32), m.i32.const(4)));
    const exit = this.label('entries_exit');
    const top = this.label('entries_loop');
    const loopBody = this.block(() => {
      this.emit(m.br(exit, m.i32.ge_u(m.local.get(at, i32), end)));
      this.fuelStep();
      const entry: Sym = {
        k: 'pair',
        fst: entryIn.fst.kind === 'Unit' ? UNIT : this.bind(m.i64.load(0, 8, m.local.get(at, i32))),
        snd: entryIn.snd.kind === 'Unit' ? UNIT : this.bind(m.i64.load(8, 8, m.local.get(at, i32))),
      };
      const [k, v] = this.pairOf(this.lower(this.childOf(listMap, 0), entry), entryOut);
      const kw = this.bind(this.word(k, entryOut.fst));
      const vw = this.bind(this.word(v, entryOut.snd));
      this.emit(m.i64.store(0, 8, m.local.get(at, i32), this.word(kw, entryOut.fst)));
      this.emit(m.i64.store(8, 8, m.local.get(at, i32), this.word(vw, entryOut.snd)));
      this.emit(m.local.set(at, m.i32.add(m.local.get(at, i32), m.i32.const(16))));
      this.emit(m.br(top));
    });
    this.emit(m.block(exit, [m.loop(top, loopBody)], none));
    return this.callWord('rtMapFromEntries', [m.local.get(entries, i32), m.local.get(count, i32), m.i32.const(this.data.desc(fromList.output))]);
  }

  /** Fold: a left fold, first to last, one fuel step per element; the accumulator lives in a shape. */
  private fold(node: Typed, x: Sym): Sym {
    const m = this.m;
    const body = this.childOf(node, 0);
    const accType = node.output;
    const [b0, l] = this.pairOf(x, node.input);
    const listType = this.sndType(node.input);
    const elem = (listType as { elem: Type }).elem;
    const acc = this.shape(accType);
    this.assign(acc, b0, accType, false);
    const cur = this.newLocal(i32);
    this.emit(m.local.set(cur, this.ptr(this.word(l, listType))));
    const exit = this.label('fold_exit');
    const top = this.label('fold_loop');
    const loopBody = this.block(() => {
      this.emit(m.br(exit, m.i32.eqz(m.local.get(cur, i32))));
      this.fuelStep();
      const head: Sym = elem.kind === 'Unit' ? UNIT : this.bind(m.i64.load(8, 8, m.local.get(cur, i32)));
      const r = this.lower(body, { k: 'pair', fst: acc, snd: head });
      this.assign(acc, r, accType, true);
      this.emit(m.local.set(cur, m.i32.wrap(m.i64.load(16, 8, m.local.get(cur, i32)))));
      this.emit(m.br(top));
    });
    this.emit(m.block(exit, [m.loop(top, loopBody)], none));
    return acc;
  }
}

// Exported for tests of the static layout against the runtime's decoder.
export const internals = { StaticData, tupleBase, INT_MIN, INT_MAX };
export type { Term };
