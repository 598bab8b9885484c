import jsep from 'jsep';
import { featureSetErrors } from './errors.js';

/** A feature value as the FeatureVector's map holds it. */
export type FeatureValue = number | string | boolean | null;

/** A compiled expression: reads other features by name, never anything else. */
export interface CompiledExpression {
  readonly source: string;
  /** Names of the features the expression reads. */
  readonly references: readonly string[];
  evaluate(lookup: (name: string) => FeatureValue): FeatureValue;
}

type Node = jsep.Expression;
type Evaluator = (lookup: (name: string) => FeatureValue) => FeatureValue;

const num = (v: FeatureValue): number | null => (typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : null);
/** null, false, 0 and '' are false, as in the expression languages people expect. */
const truthy = (v: FeatureValue): boolean => v !== null && v !== false && v !== 0 && v !== '';
/** Non-finite numbers become null: a feature that cannot be computed is null on the vector. */
const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);

const numericFunctions: Readonly<Record<string, (...args: number[]) => number>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  exp: Math.exp,
  floor: Math.floor,
  log: Math.log,
  log1p: Math.log1p,
  max: Math.max,
  min: Math.min,
  pow: Math.pow,
  round: Math.round,
  sqrt: Math.sqrt,
  utc_hour: (ms: number) => new Date(ms).getUTCHours(),
  utc_weekday: (ms: number) => new Date(ms).getUTCDay(),
};

const arithmetic: Readonly<Record<string, (a: number, b: number) => number>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
};

const comparisons: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/**
 * Compiles an expression over other features with jsep's parser and a small tree-walking
 * evaluator: numbers, strings, true/false/null, arithmetic, comparisons, == and !=, && || !,
 * ?: and the whitelisted functions (plus `coalesce`). No property access, no eval, no globals.
 * Arithmetic with a null operand gives null; comparisons with null are false.
 */
export function compileExpression(source: string): CompiledExpression {
  let tree: Node;
  try {
    tree = jsep(source);
  } catch (cause) {
    throw featureSetErrors.create('TW_FEATURE_INVALID_EXPRESSION', `cannot parse "${source}": ${(cause as Error).message}`, { cause });
  }
  const references = new Set<string>();
  const fail = (why: string): never => {
    throw featureSetErrors.create('TW_FEATURE_INVALID_EXPRESSION', `"${source}": ${why}`);
  };

  const compile = (node: Node): Evaluator => {
    switch (node.type) {
      case 'Literal': {
        const value = (node as jsep.Literal).value;
        if (value !== null && typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean')
          fail('regular expressions are not allowed');
        return () => value as FeatureValue;
      }
      case 'Identifier': {
        const name = (node as jsep.Identifier).name;
        references.add(name);
        return (lookup) => lookup(name);
      }
      case 'UnaryExpression': {
        const { operator, argument } = node as jsep.UnaryExpression;
        const arg = compile(argument);
        if (operator === '!') return (l) => !truthy(arg(l));
        if (operator === '-' || operator === '+') {
          const sign = operator === '-' ? -1 : 1;
          return (l) => {
            const v = num(arg(l));
            return v === null ? null : sign * v;
          };
        }
        return fail(`operator ${operator} is not allowed`);
      }
      case 'BinaryExpression':
        return compileBinary(node as jsep.BinaryExpression);
      case 'ConditionalExpression': {
        const c = node as jsep.ConditionalExpression;
        const [test, yes, no] = [compile(c.test), compile(c.consequent), compile(c.alternate)];
        return (l) => (truthy(test(l)) ? yes(l) : no(l));
      }
      case 'CallExpression': {
        const { callee, arguments: args } = node as jsep.CallExpression;
        if (callee.type !== 'Identifier') return fail('only named functions can be called');
        const name = (callee as jsep.Identifier).name;
        const compiled = args.map(compile);
        if (name === 'coalesce') return (l) => compiled.map((a) => a(l)).find((v) => v !== null) ?? null;
        const fn = Object.hasOwn(numericFunctions, name) ? numericFunctions[name] : undefined;
        if (!fn) return fail(`unknown function ${name}`);
        return (l) => {
          const values = compiled.map((a) => num(a(l)));
          return values.some((v) => v === null) ? null : finite(fn(...(values as number[])));
        };
      }
      default:
        return fail(`${node.type} is not allowed`);
    }
  };

  const compileBinary = (node: jsep.BinaryExpression): Evaluator => {
    const [left, right] = [compile(node.left), compile(node.right)];
    const op = node.operator;
    if (op === '&&') return (l) => truthy(left(l)) && truthy(right(l));
    if (op === '||') return (l) => truthy(left(l)) || truthy(right(l));
    if (op === '==' || op === '===') return (l) => left(l) === right(l);
    if (op === '!=' || op === '!==') return (l) => left(l) !== right(l);
    const arith = Object.hasOwn(arithmetic, op) ? arithmetic[op] : undefined;
    if (arith)
      return (l) => {
        const [a, b] = [num(left(l)), num(right(l))];
        return a === null || b === null ? null : finite(arith(a, b));
      };
    const compare = Object.hasOwn(comparisons, op) ? comparisons[op] : undefined;
    if (compare)
      return (l) => {
        const [a, b] = [num(left(l)), num(right(l))];
        return a !== null && b !== null && compare(a, b);
      };
    return fail(`operator ${op} is not allowed`);
  };

  const run = compile(tree);
  return { source, references: [...references], evaluate: run };
}
