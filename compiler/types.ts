// Types of smwasm values: one representation, structural equality, two printers.
//
//   { kind: 'Pair', fst: Int, snd: Bool }   =>  seed: UTPair UTInt UTBool
//                                              readable: (Int, Bool)
//
// Records and variants are structural: their fields/cases are kept sorted by
// name, so `{b: Int, a: Bool}` and `{a: Bool, b: Int}` are the same type.

export type Type =
  | { readonly kind: 'Unit' }
  | { readonly kind: 'Int' }
  | { readonly kind: 'Bool' }
  | { readonly kind: 'String' }
  | { readonly kind: 'Pair'; readonly fst: Type; readonly snd: Type }
  | { readonly kind: 'Either'; readonly left: Type; readonly right: Type }
  | { readonly kind: 'List'; readonly elem: Type }
  | { readonly kind: 'Map'; readonly key: Type; readonly value: Type }
  | { readonly kind: 'Record'; readonly fields: readonly Field[] }
  | { readonly kind: 'Variant'; readonly cases: readonly Field[] };

/** A named component of a record (a field) or of a variant (a case). */
export interface Field {
  readonly name: string;
  readonly type: Type;
}

export type TypeKind = Type['kind'];

export const Unit: Type = Object.freeze({ kind: 'Unit' });
export const Int: Type = Object.freeze({ kind: 'Int' });
export const Bool: Type = Object.freeze({ kind: 'Bool' });
export const Str: Type = Object.freeze({ kind: 'String' });
export const pair = (fst: Type, snd: Type): Type => ({ kind: 'Pair', fst, snd });
export const either = (left: Type, right: Type): Type => ({ kind: 'Either', left, right });
export const list = (elem: Type): Type => ({ kind: 'List', elem });
export const map = (key: Type, value: Type): Type => ({ kind: 'Map', key, value });

/** A record type; fields are sorted by name. Throws on duplicate names. */
export function record(fields: Readonly<Record<string, Type>> | readonly Field[]): Type {
  return { kind: 'Record', fields: sortedFields(fields, 'record field') };
}

/** A variant type; cases are sorted by name. Throws on duplicate or no cases. */
export function variant(cases: Readonly<Record<string, Type>> | readonly Field[]): Type {
  const sorted = sortedFields(cases, 'variant case');
  if (sorted.length === 0) throw new Error('a variant type needs at least one case');
  return { kind: 'Variant', cases: sorted };
}

const NAME = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$/;

function sortedFields(input: Readonly<Record<string, Type>> | readonly Field[], what: string): Field[] {
  const fields: Field[] = Array.isArray(input)
    ? (input as readonly Field[]).map((f) => ({ name: f.name, type: f.type }))
    : Object.entries(input as Record<string, Type>).map(([name, type]) => ({ name, type }));
  fields.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 0; i < fields.length; i++) {
    if (!NAME.test(fields[i].name)) throw new Error(`invalid ${what} name ${JSON.stringify(fields[i].name)}`);
    if (i > 0 && fields[i - 1].name === fields[i].name) throw new Error(`duplicate ${what} ${fields[i].name}`);
  }
  return fields;
}

/** Structural equality. */
export function typeEquals(a: Type, b: Type): boolean {
  if (a === b) return true;
  switch (a.kind) {
    case 'Unit':
    case 'Int':
    case 'Bool':
    case 'String':
      return a.kind === b.kind;
    case 'Pair':
      return b.kind === 'Pair' && typeEquals(a.fst, b.fst) && typeEquals(a.snd, b.snd);
    case 'Either':
      return b.kind === 'Either' && typeEquals(a.left, b.left) && typeEquals(a.right, b.right);
    case 'List':
      return b.kind === 'List' && typeEquals(a.elem, b.elem);
    case 'Map':
      return b.kind === 'Map' && typeEquals(a.key, b.key) && typeEquals(a.value, b.value);
    case 'Record':
      return b.kind === 'Record' && fieldsEqual(a.fields, b.fields);
    case 'Variant':
      return b.kind === 'Variant' && fieldsEqual(a.cases, b.cases);
    default:
      return unreachableKind(a);
  }
}

function fieldsEqual(a: readonly Field[], b: readonly Field[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i].name !== b[i].name || !typeEquals(a[i].type, b[i].type)) return false;
  }
  return true;
}

/**
 * First-order types: no type contains a function, so every type is first
 * order today. Kept as a predicate so `Eq`, ordering and map keys say what
 * they need, and a later function type has one place to be excluded.
 */
export function isFirstOrder(_t: Type): boolean {
  return true;
}

/** Seed syntax (Haskell Show of `Ty_`): `UTPair UTInt (UTEither UTUnit UTBool)`. */
export function showTypeSeed(t: Type): string {
  return seedType(t, false);
}

function seedType(t: Type, asArgument: boolean): string {
  const wrap = (s: string) => (asArgument ? `(${s})` : s);
  switch (t.kind) {
    case 'Unit':
      return 'UTUnit';
    case 'Int':
      return 'UTInt';
    case 'Bool':
      return 'UTBool';
    case 'String':
      return 'UTString';
    case 'Pair':
      return wrap(`UTPair ${seedType(t.fst, true)} ${seedType(t.snd, true)}`);
    case 'Either':
      return wrap(`UTEither ${seedType(t.left, true)} ${seedType(t.right, true)}`);
    case 'List':
      return wrap(`UTList ${seedType(t.elem, true)}`);
    case 'Map':
      return wrap(`UTMap ${seedType(t.key, true)} ${seedType(t.value, true)}`);
    case 'Record':
      return wrap(`UTRecord [${t.fields.map((f) => `(${JSON.stringify(f.name)},${seedType(f.type, false)})`).join(',')}]`);
    case 'Variant':
      return wrap(`UTVariant [${t.cases.map((f) => `(${JSON.stringify(f.name)},${seedType(f.type, false)})`).join(',')}]`);
    default:
      return unreachableKind(t);
  }
}

/**
 * Readable syntax, the one users write and errors print:
 * `()`, `Int`, `Bool`, `String`, `(Int, Bool)`, `Either () Int`, `List Int`,
 * `Map String Int`, `{count: Int, decrementing: Bool}`, `<Incr: Int, Read: ()>`.
 */
export function showType(t: Type): string {
  return readableType(t, false);
}

function readableType(t: Type, asArgument: boolean): string {
  const wrap = (s: string) => (asArgument ? `(${s})` : s);
  switch (t.kind) {
    case 'Unit':
      return '()';
    case 'Int':
      return 'Int';
    case 'Bool':
      return 'Bool';
    case 'String':
      return 'String';
    case 'Pair':
      return `(${readableType(t.fst, false)}, ${readableType(t.snd, false)})`;
    case 'Either':
      return wrap(`Either ${readableType(t.left, true)} ${readableType(t.right, true)}`);
    case 'List':
      return wrap(`List ${readableType(t.elem, true)}`);
    case 'Map':
      return wrap(`Map ${readableType(t.key, true)} ${readableType(t.value, true)}`);
    case 'Record':
      return `{${t.fields.map((f) => `${f.name}: ${readableType(f.type, false)}`).join(', ')}}`;
    case 'Variant':
      return `<${t.cases.map((f) => `${f.name}: ${readableType(f.type, false)}`).join(', ')}>`;
    default:
      return unreachableKind(t);
  }
}

/** JSON form of a type (docs/wire-format.md): `"Int"`, `{"Pair":["Int","Bool"]}`, `{"Record":{"count":"Int"}}`. */
export type TypeJson =
  | 'Unit'
  | 'Int'
  | 'Bool'
  | 'String'
  | { Pair: [TypeJson, TypeJson] }
  | { Either: [TypeJson, TypeJson] }
  | { List: TypeJson }
  | { Map: [TypeJson, TypeJson] }
  | { Record: { [name: string]: TypeJson } }
  | { Variant: { [name: string]: TypeJson } };

export function typeToJson(t: Type): TypeJson {
  switch (t.kind) {
    case 'Unit':
    case 'Int':
    case 'Bool':
    case 'String':
      return t.kind;
    case 'Pair':
      return { Pair: [typeToJson(t.fst), typeToJson(t.snd)] };
    case 'Either':
      return { Either: [typeToJson(t.left), typeToJson(t.right)] };
    case 'List':
      return { List: typeToJson(t.elem) };
    case 'Map':
      return { Map: [typeToJson(t.key), typeToJson(t.value)] };
    case 'Record':
      return { Record: Object.fromEntries(t.fields.map((f) => [f.name, typeToJson(f.type)])) };
    case 'Variant':
      return { Variant: Object.fromEntries(t.cases.map((f) => [f.name, typeToJson(f.type)])) };
    default:
      return unreachableKind(t);
  }
}

/** Parses the JSON form of a type; throws `TypeSyntaxError` naming the path of what is wrong. */
export function typeFromJson(json: unknown, path = 'type'): Type {
  if (typeof json === 'string') {
    switch (json) {
      case 'Unit':
        return Unit;
      case 'Int':
        return Int;
      case 'Bool':
        return Bool;
      case 'String':
        return Str;
    }
    throw new TypeSyntaxError(`${path}: unknown type ${JSON.stringify(json)} (expected Unit, Int, Bool, String or an object like {"Pair": [a, b]})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new TypeSyntaxError(`${path}: a type is a string or an object with one key, got ${JSON.stringify(json)}`);
  }
  const keys = Object.keys(json);
  if (keys.length !== 1) throw new TypeSyntaxError(`${path}: a type object has exactly one key, got ${JSON.stringify(keys)}`);
  const tag = keys[0];
  const arg = (json as Record<string, unknown>)[tag];
  const two = (): [unknown, unknown] => {
    if (!Array.isArray(arg) || arg.length !== 2) throw new TypeSyntaxError(`${path}.${tag}: expected an array of two types`);
    return [arg[0], arg[1]];
  };
  const named = (): Field[] => {
    if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) {
      throw new TypeSyntaxError(`${path}.${tag}: expected an object of name: type`);
    }
    return Object.entries(arg as Record<string, unknown>).map(([name, t]) => ({ name, type: typeFromJson(t, `${path}.${tag}.${name}`) }));
  };
  try {
    switch (tag) {
      case 'Pair': {
        const [a, b] = two();
        return pair(typeFromJson(a, `${path}.Pair[0]`), typeFromJson(b, `${path}.Pair[1]`));
      }
      case 'Either': {
        const [a, b] = two();
        return either(typeFromJson(a, `${path}.Either[0]`), typeFromJson(b, `${path}.Either[1]`));
      }
      case 'List':
        return list(typeFromJson(arg, `${path}.List`));
      case 'Map': {
        const [k, v] = two();
        return map(typeFromJson(k, `${path}.Map[0]`), typeFromJson(v, `${path}.Map[1]`));
      }
      case 'Record':
        return record(named());
      case 'Variant':
        return variant(named());
    }
  } catch (e) {
    if (e instanceof TypeSyntaxError) throw e;
    throw new TypeSyntaxError(`${path}.${tag}: ${(e as Error).message}`);
  }
  throw new TypeSyntaxError(`${path}: unknown type constructor ${JSON.stringify(tag)}`);
}

export class TypeSyntaxError extends Error {
  override name = 'TypeSyntaxError';
}

/** Size of a type (number of constructors), used to bound generated and received types. */
export function typeSize(t: Type): number {
  switch (t.kind) {
    case 'Unit':
    case 'Int':
    case 'Bool':
    case 'String':
      return 1;
    case 'Pair':
      return 1 + typeSize(t.fst) + typeSize(t.snd);
    case 'Either':
      return 1 + typeSize(t.left) + typeSize(t.right);
    case 'List':
      return 1 + typeSize(t.elem);
    case 'Map':
      return 1 + typeSize(t.key) + typeSize(t.value);
    case 'Record':
      return 1 + t.fields.reduce((n, f) => n + typeSize(f.type), 0);
    case 'Variant':
      return 1 + t.cases.reduce((n, f) => n + typeSize(f.type), 0);
    default:
      return unreachableKind(t);
  }
}

/** Exhaustiveness guard: every switch over a kind ends here. */
export function unreachableKind(x: never): never {
  throw new Error(`unhandled kind ${JSON.stringify((x as { kind?: string; op?: string })?.kind ?? (x as { op?: string })?.op)}`);
}
