// Writes src/tensor/operators.generated.ts: one typed TypeScript function per line of
// operators.txt, with its types read from the operator's schema in libtorch.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { native, projectRoot } from '../src/tensor/native.js';

interface SchemaArgument {
  type: string;
  name: string;
  defaultValue?: string;
}

interface Schema {
  text: string;
  arguments: SchemaArgument[];
  returns: string[];
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of text) {
    if (character === '(' || character === '[') depth += 1;
    if (character === ')' || character === ']') depth -= 1;
    if (character === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += character;
    }
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

function parseSchema(text: string): Schema {
  const open = text.indexOf('(');
  const arrow = text.lastIndexOf(' -> ');
  const argumentText = text.slice(open + 1, text.lastIndexOf(')', arrow));
  const args: SchemaArgument[] = [];
  for (const part of splitTopLevel(argumentText)) {
    if (part === '*') continue;
    const [declaration, defaultValue] = part.split('=');
    const space = declaration.lastIndexOf(' ');
    args.push({ type: declaration.slice(0, space).trim(), name: declaration.slice(space + 1).trim(), defaultValue });
  }
  let returnText = text.slice(arrow + 4).trim();
  if (returnText.startsWith('(')) returnText = returnText.slice(1, -1);
  const returns = returnText ? splitTopLevel(returnText).map((r) => r.split(' ')[0]) : [];
  return { text, arguments: args, returns };
}

const reserved = new Set(['default', 'in', 'function', 'var', 'new', 'delete', 'return', 'class', 'from']);

function identifier(name: string): string {
  return reserved.has(name) ? `${name}_` : name;
}

function baseType(type: string): { base: string; optional: boolean; list: boolean } {
  let rest = type.replace(/\([a-z!*> -]+\)/g, '');
  const optional = rest.endsWith('?');
  if (optional) rest = rest.slice(0, -1);
  const list = /\[\d*\]$/.test(rest);
  if (list) rest = rest.replace(/\[\d*\]$/, '');
  return { base: rest, optional, list };
}

function typeScriptType(type: string): string {
  const { base, optional, list } = baseType(type);
  const element: Record<string, string> = {
    Tensor: 'Tensor',
    'Tensor?': 'Tensor | null',
    int: 'number',
    SymInt: 'number',
    float: 'number',
    bool: 'boolean',
    Scalar: 'number | boolean',
    ScalarType: 'DType',
    Layout: 'number',
    MemoryFormat: 'number',
    Device: 'string',
    Generator: 'Generator',
    str: 'string',
  };
  const single = element[base];
  if (single === undefined) throw new Error(`no TypeScript type for schema type '${type}'`);
  let result = list ? (base === 'Tensor?' ? '(Tensor | null)[]' : `${single}[]`) : single;
  if (list && (base === 'int' || base === 'SymInt')) result = 'number[] | number';
  return optional ? `${result} | null` : result;
}

function returnType(types: string[]): string {
  const one = (type: string): string => {
    const { base, list } = baseType(type);
    const map: Record<string, string> = { Tensor: 'Tensor', Scalar: 'number', int: 'number', float: 'number', bool: 'boolean' };
    const single = map[base];
    if (single === undefined) throw new Error(`no TypeScript type for return type '${type}'`);
    return list ? `${single}[]` : single;
  };
  if (types.length === 0) return 'void';
  if (types.length === 1) return one(types[0]);
  return `[${types.map(one).join(', ')}]`;
}

/** The argument as the addon takes it: tensors by their slots (checked), generators by their handles. */
function nativeArgument(arg: SchemaArgument, operator: string): string {
  const name = identifier(arg.name);
  const { base, optional, list } = baseType(arg.type);
  const slot = (value: string): string => `tensorSlot(${value}, '${operator}', '${arg.name}')`;
  if (base === 'ScalarType') return `${name} == null ? ${name} : dtypeCode(${name})`;
  if (base === 'Tensor' && list) return `${name}.map((tensor) => ${slot('tensor')})`;
  if (base === 'Tensor?' && list) return `${name}.map((tensor) => (tensor == null ? null : ${slot('tensor')}))`;
  if (base === 'Tensor') return optional ? `${name} == null ? ${name} : ${slot(name)}` : slot(name);
  if (base === 'Generator') return `${name} == null ? ${name} : ${name}.handle`;
  return name;
}

/** The addon's result `value` of schema type `type` as TypeScript gets it: tensor slots become Tensors. */
function fromNative(type: string, value: string): string {
  const { base, optional, list } = baseType(type);
  if (base !== 'Tensor') return value;
  if (list) return `(${value} as number[]).map((slot) => new Tensor(slot))`;
  return optional ? `tensorOrNull(${value} as number | null)` : `new Tensor(${value} as number)`;
}

function generate(tsName: string, qualified: string): string {
  const [name, overload = ''] = qualified.replace(/^aten::/, '').split('.');
  const id = native.resolveOperator(name, overload);
  const schema = parseSchema(native.operatorSchema(id));
  const variable = `op_${tsName}`;
  // Every argument after the last required one may be left out.
  let lastRequired = -1;
  schema.arguments.forEach((arg, index) => {
    if (arg.defaultValue === undefined && !arg.type.endsWith('?')) lastRequired = index;
  });
  const parameters = schema.arguments.map((arg, index) => `${identifier(arg.name)}${index > lastRequired ? '?' : ''}: ${typeScriptType(arg.type)}`);
  const operator = `aten::${name}${overload ? `.${overload}` : ''}`;
  const call = `native.callOperator(${[variable, ...schema.arguments.map((arg) => nativeArgument(arg, operator))].join(', ')})`;
  const mutated = schema.returns.length === 1 && /\([a-z]!\)/.test(schema.returns[0]) ? schema.returns[0].match(/\(([a-z])!\)/)![1] : undefined;
  const lines = [`const ${variable} = native.resolveOperator('${name}', '${overload}');`, `/** \`${schema.text}\` */`];
  if (mutated) {
    const target = schema.arguments.find((arg) => arg.type.includes(`(${mutated}!)`))!;
    lines.push(`export function ${tsName}(${parameters.join(', ')}): Tensor {`);
    lines.push(`  ${call};`);
    lines.push(`  return ${identifier(target.name)};`);
  } else if (schema.returns.length > 1) {
    lines.push(`export function ${tsName}(${parameters.join(', ')}): ${returnType(schema.returns)} {`);
    lines.push(`  const result = ${call} as unknown[];`);
    lines.push(`  return [${schema.returns.map((type, index) => fromNative(type, `result[${index}]`)).join(', ')}] as ${returnType(schema.returns)};`);
  } else {
    const result = returnType(schema.returns);
    lines.push(`export function ${tsName}(${parameters.join(', ')}): ${result} {`);
    lines.push(schema.returns.length === 0 ? `  ${call};` : `  return ${fromNative(schema.returns[0], call)}${fromNative(schema.returns[0], 'x') === 'x' ? ` as ${result}` : ''};`);
  }
  lines.push('}');
  return lines.join('\n');
}

const table = readFileSync(join(projectRoot, 'tools', 'operators.txt'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => line.split(/\s+/) as [string, string]);

const body = table.map(([tsName, qualified]) => generate(tsName, qualified)).join('\n\n');
// tensorOrNull only when some operator returns an optional tensor: the import must not go unused.
const imported = body.includes('tensorOrNull(') ? 'Tensor, tensorOrNull, tensorSlot' : 'Tensor, tensorSlot';
const header = `// Generated by tools/generate-operators.ts from tools/operators.txt and libtorch's operator
// schemas. Do not edit; change the table and run \`npm run generate:operators\`.
/* eslint-disable */
import type { DType } from './dtype.js';
import { dtypeCode } from './dtype.js';
import { native } from './native.js';
import type { Generator } from './random.js';
import { ${imported} } from './tensor.js';
`;
writeFileSync(join(projectRoot, 'src', 'tensor', 'operators.generated.ts'), `${header}\n${body}\n`);
console.log(`wrote ${table.length} operators to src/tensor/operators.generated.ts`);
