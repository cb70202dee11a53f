// Linking: the prebuilt runtime module + a small generated module => one module.
//
//   runtime   (assembly/, 25 KB): imports env.memory; functions rtAlloc, rtShow, ... (exported)
//   generated (compiler/lower.ts, ~1 KB): imports rt.rtAlloc, rt.rtShow, ... and env.memory;
//             defines step, init, setState, getState, the globals state and fuel, static data
//   =>  linked: the runtime's sections, followed by the generated functions, globals and data,
//       every call to an `rt` import pointing at the runtime function of that name; only the
//       generated module's exports. Imports: env.memory only.
//
// Why: binaryen.readBinary of the runtime costs ~8 ms and emitting it again ~3 ms per module,
// while the generated part alone emits in well under a millisecond. The runtime's bytes are copied
// verbatim (its function and global indices do not move, because the generated items come after
// them); only the generated code is re-encoded, with its function, global and data indices shifted.
// The instruction decoder below knows exactly the opcodes binaryen emits for generated code and
// fails loudly on anything else.

export class LinkError extends Error {
  override name = 'LinkError';
}

const SECTION = { custom: 0, type: 1, import: 2, function: 3, table: 4, memory: 5, global: 6, export: 7, start: 8, element: 9, code: 10, data: 11, datacount: 12 } as const;

class Reader {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly end = bytes.length,
  ) {}
  get done(): boolean {
    return this.pos >= this.end;
  }
  byte(): number {
    if (this.pos >= this.end) throw new LinkError('truncated module');
    return this.bytes[this.pos++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 35) throw new LinkError('LEB128 too long');
    }
  }
  take(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new LinkError('truncated module');
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  name(): string {
    return new TextDecoder().decode(this.take(this.u32()));
  }
  /** The raw bytes of one LEB128 number (signed or unsigned), unchanged. */
  leb(): Uint8Array {
    const start = this.pos;
    while (this.byte() & 0x80);
    return this.bytes.subarray(start, this.pos);
  }
}

class Writer {
  private buf = new Uint8Array(1 << 12);
  length = 0;
  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  u32(x: number): void {
    x >>>= 0;
    do {
      let b = x & 0x7f;
      x >>>= 7;
      if (x !== 0) b |= 0x80;
      this.byte(b);
    } while (x !== 0);
  }
  name(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    this.bytes(b);
  }
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** A vector section's entries as raw byte ranges, split by a per-entry reader. */
interface Section {
  readonly id: number;
  readonly body: Uint8Array;
}

function sections(bytes: Uint8Array): Section[] {
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d || bytes[4] !== 1) throw new LinkError('not a Wasm module (version 1)');
  const r = new Reader(bytes);
  r.pos = 8;
  const out: Section[] = [];
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    out.push({ id, body: r.take(size) });
  }
  return out;
}

/** Splits a vector section body into its entries' raw bytes, each delimited by `skip`. */
function entries(body: Uint8Array, skip: (r: Reader) => void): Uint8Array[] {
  const r = new Reader(body);
  const n = r.u32();
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const start = r.pos;
    skip(r);
    out.push(body.subarray(start, r.pos));
  }
  return out;
}

function skipValtypes(r: Reader): void {
  const n = r.u32();
  r.take(n);
}
function skipFuncType(r: Reader): void {
  if (r.byte() !== 0x60) throw new LinkError('unsupported type (not a function type)');
  skipValtypes(r);
  skipValtypes(r);
}
function skipLimits(r: Reader): void {
  const flags = r.byte();
  r.u32();
  if (flags & 1) r.u32();
}
function skipConstExpr(r: Reader): void {
  for (;;) {
    const op = r.byte();
    if (op === 0x0b) return;
    if (op === 0x41 || op === 0x42 || op === 0x23) r.leb();
    else if (op === 0x43) r.take(4);
    else if (op === 0x44) r.take(8);
    else throw new LinkError(`unsupported opcode 0x${op.toString(16)} in a constant expression`);
  }
}
function skipGlobal(r: Reader): void {
  r.byte();
  r.byte();
  skipConstExpr(r);
}
function skipExport(r: Reader): void {
  r.name();
  r.byte();
  r.u32();
}
function skipBody(r: Reader): void {
  r.take(r.u32());
}
function skipDataSegment(r: Reader): void {
  const flags = r.u32();
  if (flags === 1) {
    r.take(r.u32());
    return;
  }
  if (flags === 2) r.u32();
  else if (flags !== 0) throw new LinkError(`unsupported data segment flags ${flags}`);
  skipConstExpr(r);
  r.take(r.u32());
}

interface Import {
  readonly module: string;
  readonly field: string;
  readonly kind: number;
  /** For a function import, its type index. */
  readonly type: number;
  readonly raw: Uint8Array;
}

function parseImports(body: Uint8Array | undefined): Import[] {
  if (!body) return [];
  const r = new Reader(body);
  const n = r.u32();
  const out: Import[] = [];
  for (let i = 0; i < n; i++) {
    const start = r.pos;
    const module = r.name();
    const field = r.name();
    const kind = r.byte();
    let type = -1;
    if (kind === 0) type = r.u32();
    else if (kind === 1) {
      r.byte();
      skipLimits(r);
    } else if (kind === 2) skipLimits(r);
    else if (kind === 3) {
      r.byte();
      r.byte();
    } else throw new LinkError(`unsupported import kind ${kind}`);
    out.push({ module, field, kind, type, raw: body.subarray(start, r.pos) });
  }
  return out;
}

function parseExports(body: Uint8Array | undefined): Array<{ name: string; kind: number; index: number }> {
  if (!body) return [];
  const r = new Reader(body);
  const n = r.u32();
  const out: Array<{ name: string; kind: number; index: number }> = [];
  for (let i = 0; i < n; i++) out.push({ name: r.name(), kind: r.byte(), index: r.u32() });
  return out;
}

/** Function names from a "name" custom section (subsection 1). */
function parseFunctionNames(sectionsOf: Section[]): Map<number, string> {
  const names = new Map<number, string>();
  for (const s of sectionsOf) {
    if (s.id !== SECTION.custom) continue;
    const r = new Reader(s.body);
    if (r.name() !== 'name') continue;
    while (!r.done) {
      const sub = r.byte();
      const size = r.u32();
      const end = r.pos + size;
      if (sub === 1) {
        const n = r.u32();
        for (let i = 0; i < n; i++) {
          const idx = r.u32();
          names.set(idx, r.name());
        }
      }
      r.pos = end;
    }
  }
  return names;
}

/** One Wasm value type of a function signature, as binaryen and the runtime use them. */
export type ValType = 'i32' | 'i64' | 'f32' | 'f64';
const VALTYPE: Record<number, ValType> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64' };

/** The runtime, parsed once; what linking needs of it. */
export interface LinkableRuntime {
  readonly sections: readonly Section[];
  readonly typeCount: number;
  readonly functionCount: number;
  readonly globalCount: number;
  readonly dataCount: number;
  /** Exported function name => function index. */
  readonly exports: ReadonlyMap<string, number>;
  /** Exported function name => signature. */
  readonly signatures: ReadonlyMap<string, { readonly params: readonly ValType[]; readonly results: readonly ValType[] }>;
  readonly functionNames: ReadonlyMap<number, string>;
}

export function parseRuntime(bytes: Uint8Array): LinkableRuntime {
  const secs = sections(bytes);
  const get = (id: number) => secs.find((s) => s.id === id)?.body;
  const imports = parseImports(get(SECTION.import));
  if (imports.some((i) => i.kind !== 2)) throw new LinkError('the runtime may import nothing but memory');
  const types = get(SECTION.type) ? entries(get(SECTION.type)!, skipFuncType) : [];
  const funcTypes = get(SECTION.function) ? entries(get(SECTION.function)!, (r) => r.u32()).map((e) => new Reader(e).u32()) : [];
  const globals = get(SECTION.global) ? entries(get(SECTION.global)!, skipGlobal) : [];
  const data = get(SECTION.data) ? entries(get(SECTION.data)!, skipDataSegment) : [];
  const exports = new Map<string, number>();
  const signatures = new Map<string, { params: ValType[]; results: ValType[] }>();
  for (const e of parseExports(get(SECTION.export))) {
    if (e.kind !== 0) continue;
    exports.set(e.name, e.index);
    const t = new Reader(types[funcTypes[e.index]]);
    t.byte();
    const params = [...t.take(t.u32())].map((b) => VALTYPE[b]);
    const results = [...t.take(t.u32())].map((b) => VALTYPE[b]);
    signatures.set(e.name, { params, results });
  }
  for (const id of [SECTION.table, SECTION.element, SECTION.start, SECTION.memory]) {
    if (get(id)) throw new LinkError(`the runtime has a section ${id} the linker does not handle`);
  }
  return {
    sections: secs,
    typeCount: types.length,
    functionCount: funcTypes.length,
    globalCount: globals.length,
    dataCount: data.length,
    exports,
    signatures,
    functionNames: parseFunctionNames(secs),
  };
}

/**
 * Links a generated module into the runtime. The generated module may import functions from
 * module "rt" (runtime exports, by name) and memory from "env"; it must not import anything else.
 * `custom` sections are appended as they are.
 */
export function link(runtime: LinkableRuntime, generated: Uint8Array, custom: ReadonlyArray<{ readonly name: string; readonly bytes: Uint8Array }> = []): Uint8Array {
  const gen = sections(generated);
  const get = (id: number) => gen.find((s) => s.id === id)?.body;
  const runtimeSection = (id: number) => runtime.sections.find((s) => s.id === id)?.body;
  for (const id of [SECTION.table, SECTION.element, SECTION.start, SECTION.memory]) {
    if (get(id)) throw new LinkError(`the generated module has a section ${id} the linker does not handle`);
  }

  // Function index map of the generated module: its imports first, then its own functions.
  const imports = parseImports(get(SECTION.import));
  const funcMap: number[] = [];
  for (const imp of imports) {
    if (imp.kind === 0) {
      if (imp.module !== 'rt') throw new LinkError(`unexpected function import ${imp.module}.${imp.field}`);
      const index = runtime.exports.get(imp.field);
      if (index === undefined) throw new LinkError(`the runtime exports no function ${imp.field}`);
      funcMap.push(index);
    } else if (imp.kind === 2) {
      if (imp.module !== 'env' || imp.field !== 'memory') throw new LinkError(`unexpected memory import ${imp.module}.${imp.field}`);
    } else throw new LinkError(`unexpected import ${imp.module}.${imp.field} of kind ${imp.kind}`);
  }
  const genTypes = get(SECTION.type) ? entries(get(SECTION.type)!, skipFuncType) : [];
  const genFuncTypes = get(SECTION.function) ? entries(get(SECTION.function)!, (r) => r.u32()).map((e) => new Reader(e).u32()) : [];
  for (let i = 0; i < genFuncTypes.length; i++) funcMap.push(runtime.functionCount + i);
  const genGlobals = get(SECTION.global) ? entries(get(SECTION.global)!, skipGlobal) : [];
  const globalMap = (i: number) => runtime.globalCount + i;
  const genData = get(SECTION.data) ? entries(get(SECTION.data)!, skipDataSegment) : [];
  const dataMap = (i: number) => runtime.dataCount + i;
  const genBodies = get(SECTION.code) ? entries(get(SECTION.code)!, skipBody) : [];
  if (genBodies.length !== genFuncTypes.length) throw new LinkError('function and code sections disagree');

  const out = new Writer();
  out.bytes(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  const section = (id: number, fill: (w: Writer) => void) => {
    const w = new Writer();
    fill(w);
    const body = w.finish();
    out.byte(id);
    out.u32(body.length);
    out.bytes(body);
  };
  const vector = (id: number, first: readonly Uint8Array[], second: readonly Uint8Array[]) => {
    if (first.length + second.length === 0) return;
    section(id, (w) => {
      w.u32(first.length + second.length);
      for (const e of first) w.bytes(e);
      for (const e of second) w.bytes(e);
    });
  };

  const rtTypes = runtimeSection(SECTION.type) ? entries(runtimeSection(SECTION.type)!, skipFuncType) : [];
  vector(SECTION.type, rtTypes, genTypes);
  const rtImports = parseImports(runtimeSection(SECTION.import)).map((i) => i.raw);
  vector(SECTION.import, rtImports, []);
  const rtFuncs = runtimeSection(SECTION.function) ? entries(runtimeSection(SECTION.function)!, (r) => r.u32()) : [];
  vector(
    SECTION.function,
    rtFuncs,
    genFuncTypes.map((t) => {
      const w = new Writer();
      w.u32(runtime.typeCount + t);
      return w.finish();
    }),
  );
  const rtGlobals = runtimeSection(SECTION.global) ? entries(runtimeSection(SECTION.global)!, skipGlobal) : [];
  vector(SECTION.global, rtGlobals, genGlobals);
  // Exports: the generated module's only.
  const genExports = parseExports(get(SECTION.export));
  if (genExports.length > 0) {
    section(SECTION.export, (w) => {
      w.u32(genExports.length);
      for (const e of genExports) {
        w.name(e.name);
        w.byte(e.kind);
        if (e.kind === 0) w.u32(funcMap[e.index]);
        else if (e.kind === 3) w.u32(globalMap(e.index));
        else throw new LinkError(`unsupported export kind ${e.kind} (${e.name})`);
      }
    });
  }
  const totalData = runtime.dataCount + genData.length;
  if (runtimeSection(SECTION.datacount) || get(SECTION.datacount)) section(SECTION.datacount, (w) => w.u32(totalData));
  const rtBodies = runtimeSection(SECTION.code) ? entries(runtimeSection(SECTION.code)!, skipBody) : [];
  vector(
    SECTION.code,
    rtBodies,
    genBodies.map((b) => {
      const r = new Reader(b);
      const size = r.u32();
      const body = rewriteBody(b.subarray(r.pos, r.pos + size), funcMap, globalMap, dataMap);
      const w = new Writer();
      w.u32(body.length);
      w.bytes(body);
      return w.finish();
    }),
  );
  const rtData = runtimeSection(SECTION.data) ? entries(runtimeSection(SECTION.data)!, skipDataSegment) : [];
  vector(SECTION.data, rtData, genData);

  // Function names (traps name their function); other name subsections are dropped.
  const names = new Map(runtime.functionNames);
  for (const [index, name] of parseFunctionNames(gen)) if (index >= imports.filter((i) => i.kind === 0).length) names.set(funcMap[index], name);
  if (names.size > 0) {
    section(SECTION.custom, (w) => {
      w.name('name');
      const sub = new Writer();
      const sorted = [...names.entries()].sort((a, b) => a[0] - b[0]);
      sub.u32(sorted.length);
      for (const [index, name] of sorted) {
        sub.u32(index);
        sub.name(name);
      }
      const body = sub.finish();
      w.byte(1);
      w.u32(body.length);
      w.bytes(body);
    });
  }
  for (const c of custom) {
    section(SECTION.custom, (w) => {
      w.name(c.name);
      w.bytes(c.bytes);
    });
  }
  return out.finish();
}

/** Opcodes without immediates that generated code may contain. */
const PLAIN = new Set<number>([0x00, 0x01, 0x05, 0x0b, 0x0f, 0x1a, 0x1b]);
for (let op = 0x45; op <= 0xc4; op++) PLAIN.add(op);

/** Re-encodes one function body with function, global and data indices mapped. */
function rewriteBody(body: Uint8Array, funcMap: readonly number[], globalMap: (i: number) => number, dataMap: (i: number) => number): Uint8Array {
  const r = new Reader(body);
  const w = new Writer();
  const localGroups = r.u32();
  w.u32(localGroups);
  for (let i = 0; i < localGroups; i++) {
    w.u32(r.u32());
    w.byte(r.byte());
  }
  while (!r.done) {
    const op = r.byte();
    w.byte(op);
    if (PLAIN.has(op)) continue;
    switch (op) {
      case 0x02: // block
      case 0x03: // loop
      case 0x04: {
        // if
        const t = r.byte();
        if (t !== 0x40 && VALTYPE[t] === undefined) throw new LinkError('unsupported block type (a type index)');
        w.byte(t);
        break;
      }
      case 0x0c: // br
      case 0x0d: // br_if
      case 0x20: // local.get
      case 0x21: // local.set
      case 0x22: // local.tee
        w.u32(r.u32());
        break;
      case 0x0e: {
        // br_table
        const n = r.u32();
        w.u32(n);
        for (let i = 0; i <= n; i++) w.u32(r.u32());
        break;
      }
      case 0x10: {
        const f = r.u32();
        if (f >= funcMap.length) throw new LinkError(`call of unknown function ${f}`);
        w.u32(funcMap[f]);
        break;
      }
      case 0x1c: {
        // select with types
        const n = r.u32();
        w.u32(n);
        w.bytes(r.take(n));
        break;
      }
      case 0x23: // global.get
      case 0x24: // global.set
        w.u32(globalMap(r.u32()));
        break;
      case 0x3f: // memory.size
      case 0x40: // memory.grow
        w.byte(r.byte());
        break;
      case 0x41: // i32.const
      case 0x42: // i64.const
        w.bytes(r.leb());
        break;
      case 0x43:
        w.bytes(r.take(4));
        break;
      case 0x44:
        w.bytes(r.take(8));
        break;
      case 0xfc: {
        const sub = r.u32();
        w.u32(sub);
        if (sub <= 7) break; // saturating truncations
        if (sub === 8) {
          w.u32(dataMap(r.u32()));
          w.byte(r.byte());
        } else if (sub === 9) w.u32(dataMap(r.u32()));
        else if (sub === 10) w.bytes(r.take(2));
        else if (sub === 11) w.byte(r.byte());
        else throw new LinkError(`unsupported opcode 0xfc ${sub}`);
        break;
      }
      default:
        if (op >= 0x28 && op <= 0x3e) {
          // memarg: alignment (bit 6: a memory index follows), offset
          const align = r.u32();
          w.u32(align);
          if (align & 0x40) w.u32(r.u32());
          w.bytes(r.leb());
          break;
        }
        throw new LinkError(`unsupported opcode 0x${op.toString(16)} in generated code`);
    }
  }
  return w.finish();
}
