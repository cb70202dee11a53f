// What a run of generated terms covered, printed once per property run.
//
//   const stats = new GenerationStats();
//   stats.addTerm(term); stats.addCase([{ ok: true, … }, { ok: false, error: { code: 'FAIL', … } }]);
//   console.log(stats.report('machine cases'))
//   =>  machine cases: 300 terms, depth min 2 / median 9 / p90 12 / max 12, nodes median 41 …
//       depth  1-2 ##  3-4 ###### …
//       ops (nodes / terms containing): Id 210/35% Compose 4120/100% … Split 0/0% …
//       items 4211: ok 81.0%, READ_NO_PARSE 9.1%, …;  cases ending in an error: …
//
// Every op of the catalogue is listed, so an op the generator never produces
// shows as 0 instead of silently missing.

import type { ItemErrorCode } from '../../compiler/engine.ts';
import { children, OP_NAMES, termDepth, termSize, type Op, type Term } from '../../compiler/terms.ts';

/** The part of a step result the statistics look at (engine results and the interpreter's both fit). */
export type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: { readonly code: ItemErrorCode } };

type OutcomeKey = 'ok' | ItemErrorCode;
const OUTCOME_KEYS: readonly OutcomeKey[] = ['ok', 'READ_NO_PARSE', 'DIVIDE_BY_ZERO', 'OUT_OF_FUEL', 'FAIL', 'TRAP'];

export class GenerationStats {
  private readonly depths: number[] = [];
  private readonly sizes: number[] = [];
  private readonly nodesPerOp = new Map<Op, number>(OP_NAMES.map((op) => [op, 0]));
  private readonly termsPerOp = new Map<Op, number>(OP_NAMES.map((op) => [op, 0]));
  private readonly items = new Map<OutcomeKey, number>(OUTCOME_KEYS.map((k) => [k, 0]));
  /** Cases (runs of several items) by the first error they met; `ok` when none. */
  private readonly cases = new Map<OutcomeKey, number>(OUTCOME_KEYS.map((k) => [k, 0]));
  private caseCount = 0;
  /** Cases whose every item failed: machines that test little beyond their first error. */
  private casesAllFailed = 0;

  addTerm(term: Term): void {
    this.depths.push(termDepth(term));
    this.sizes.push(termSize(term));
    const seen = new Set<Op>();
    const todo: Term[] = [term];
    while (todo.length > 0) {
      const t = todo.pop()!;
      this.nodesPerOp.set(t.op, (this.nodesPerOp.get(t.op) ?? 0) + 1);
      seen.add(t.op);
      for (const [, sub] of children(t)) todo.push(sub);
    }
    for (const op of seen) this.termsPerOp.set(op, (this.termsPerOp.get(op) ?? 0) + 1);
  }

  addItem(outcome: Outcome): void {
    const key = outcome.ok ? 'ok' : outcome.error.code;
    this.items.set(key, (this.items.get(key) ?? 0) + 1);
  }

  /** The outcomes of one machine's items, in order. */
  addCase(outcomes: readonly Outcome[]): void {
    for (const o of outcomes) this.addItem(o);
    const firstError = outcomes.find((o) => !o.ok);
    const key = firstError && !firstError.ok ? firstError.error.code : 'ok';
    this.cases.set(key, (this.cases.get(key) ?? 0) + 1);
    if (outcomes.length > 0 && outcomes.every((o) => !o.ok)) this.casesAllFailed++;
    this.caseCount++;
  }

  /** Ops that occurred in no term. */
  missingOps(): Op[] {
    return OP_NAMES.filter((op) => this.nodesPerOp.get(op) === 0);
  }

  get termCount(): number {
    return this.depths.length;
  }

  depthSummary(): { min: number; median: number; p90: number; max: number } {
    return summary(this.depths);
  }

  /** Share of items with each outcome, in [0, 1]. */
  itemShares(): Record<OutcomeKey, number> {
    const total = [...this.items.values()].reduce((a, b) => a + b, 0);
    return Object.fromEntries(OUTCOME_KEYS.map((k) => [k, total === 0 ? 0 : this.items.get(k)! / total])) as Record<OutcomeKey, number>;
  }

  report(title: string): string {
    const lines: string[] = [];
    const d = summary(this.depths);
    const n = summary(this.sizes);
    lines.push(
      `${title}: ${this.termCount} terms, depth min ${d.min} / median ${d.median} / p90 ${d.p90} / max ${d.max}, ` +
        `nodes min ${n.min} / median ${n.median} / p90 ${n.p90} / max ${n.max}`,
    );
    lines.push(`  depth histogram: ${histogram(this.depths, 2)}`);
    lines.push(`  nodes histogram: ${histogram(this.sizes, 20)}`);
    const cells = OP_NAMES.map((op) => `${op} ${this.nodesPerOp.get(op)}/${percent(this.termsPerOp.get(op)!, this.termCount)}`);
    lines.push('  ops (nodes / share of terms containing):');
    for (let i = 0; i < cells.length; i += 6) lines.push(`    ${cells.slice(i, i + 6).map((c) => c.padEnd(22)).join('')}`.trimEnd());
    const missing = this.missingOps();
    lines.push(`  ops never generated: ${missing.length === 0 ? 'none' : missing.join(', ')}`);
    const itemTotal = [...this.items.values()].reduce((a, b) => a + b, 0);
    if (itemTotal > 0) lines.push(`  items ${itemTotal}: ${shares(this.items, itemTotal)}`);
    if (this.caseCount > 0) {
      lines.push(`  cases ${this.caseCount} by first error: ${shares(this.cases, this.caseCount)}; every item failed: ${percent(this.casesAllFailed, this.caseCount)}`);
    }
    return lines.join('\n');
  }
}

function summary(xs: readonly number[]): { min: number; median: number; p90: number; max: number } {
  if (xs.length === 0) return { min: 0, median: 0, p90: 0, max: 0 };
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { min: sorted[0], median: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1] };
}

/** Buckets of `width` with their share: `1-2 4%  3-4 10% …`. */
function histogram(xs: readonly number[], width: number): string {
  if (xs.length === 0) return '(none)';
  const buckets = new Map<number, number>();
  for (const x of xs) {
    const b = Math.floor((x - 1) / width);
    buckets.set(b, (buckets.get(b) ?? 0) + 1);
  }
  const top = Math.max(...buckets.keys());
  const out: string[] = [];
  for (let b = 0; b <= top; b++) out.push(`${b * width + 1}-${(b + 1) * width} ${percent(buckets.get(b) ?? 0, xs.length)}`);
  return out.join('  ');
}

function shares(counts: ReadonlyMap<OutcomeKey, number>, total: number): string {
  return OUTCOME_KEYS.map((k) => `${k} ${percent(counts.get(k) ?? 0, total)}`).join(', ');
}

function percent(x: number, total: number): string {
  return total === 0 ? '0%' : `${((100 * x) / total).toFixed(x === 0 || x === total ? 0 : 1)}%`;
}
