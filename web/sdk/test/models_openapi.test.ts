// The SDK's typed models (src/models.ts) kept in step with docs/api/openapi.yaml: every schema the
// API answers with has a model of the same name; a model's properties are the schema's, with the
// same optionality and the same JSON kinds (string, number, boolean, null, object, array); string
// enums have the same values. Compared through the TypeScript checker, so inherited properties
// (`extends Page`) and aliases count.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import yaml from 'js-yaml';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const MODELS = join(here, '../src/models.ts');
const OPENAPI = join(here, '../../../docs/api/openapi.yaml');

type Schema = Record<string, unknown> & {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
};

const doc = yaml.load(readFileSync(OPENAPI, 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
};
const schemas = doc.components.schemas;

/** Schemas without a model of their own in models.ts, and why. */
const NOT_MODELS: Record<string, string> = {
  Timestamp: 'a string alias (models.ts Timestamp)',
  NullableTimestamp: 'Timestamp | null in the models',
  UserId: 'a plain string',
  NextCursor: 'Page.nextCursor',
  ErrorCode: 'CohostError.code (errors.ts)',
  Error: 'the error envelope, read by CohostError (errors.ts)',
  RealtimeClientFrame: 'the socket protocol, internal to realtime.ts',
  RealtimeServerFrame: 'the socket protocol, internal to realtime.ts',
  EngagementEventData: 'the data of engagement events, typed per event by the live collections',
};

const resolve = (s: Schema): Schema => {
  if (!s.$ref) return s;
  const name = s.$ref.replace('#/components/schemas/', '');
  const target = schemas[name];
  assert.ok(target, `dangling $ref ${s.$ref}`);
  return resolve(target);
};

/** The JSON kinds a schema allows: string, number, boolean, null, object, array. */
function schemaKinds(raw: Schema): Set<string> {
  const s = resolve(raw);
  const out = new Set<string>();
  for (const alt of [...(s.oneOf ?? []), ...(s.anyOf ?? []), ...(s.allOf ?? [])]) {
    for (const k of schemaKinds(alt)) out.add(k);
  }
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  for (const t of types) out.add(t === 'integer' ? 'number' : t);
  if (s.enum) {
    for (const v of s.enum) out.add(v === null ? 'null' : typeof v);
  }
  if (out.size === 0) out.add('any');
  return out;
}

// No @types: models.ts needs none, and loading node's and React's takes seconds.
const program = ts.createProgram([MODELS], {
  strict: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts'], types: [], noEmit: true,
});
const checker = program.getTypeChecker();
const source = program.getSourceFile(MODELS)!;
const declared = new Map<string, ts.Type>();
ts.forEachChild(source, (node) => {
  if ((ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) && node.name) {
    declared.set(node.name.text, checker.getTypeAtLocation(node.name));
  }
});

/** The JSON kinds a TypeScript type allows (undefined left out: optionality is checked apart). */
function typeKinds(type: ts.Type): Set<string> {
  const out = new Set<string>();
  const parts = type.isUnion() ? type.types : [type];
  for (const t of parts) {
    const f = t.flags;
    if (f & (ts.TypeFlags.String | ts.TypeFlags.StringLiteral | ts.TypeFlags.TemplateLiteral)) out.add('string');
    else if (f & (ts.TypeFlags.Number | ts.TypeFlags.NumberLiteral)) out.add('number');
    else if (f & (ts.TypeFlags.Boolean | ts.TypeFlags.BooleanLiteral)) out.add('boolean');
    else if (f & ts.TypeFlags.Null) out.add('null');
    else if (f & ts.TypeFlags.Undefined) continue;
    else if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.TypeParameter)) out.add('any');
    else if (checker.isArrayType(t) || checker.isTupleType(t)) out.add('array');
    else if (f & ts.TypeFlags.Object) out.add('object');
    else out.add(checker.typeToString(t));
  }
  return out;
}

const sorted = (s: Set<string>) => [...s].sort().join('|');

/** Schemas some operation answers with (directly or through a property or array item). */
function responseSchemas(): Set<string> {
  const found = new Set<string>();
  const visit = (s: Schema | undefined) => {
    if (!s) return;
    if (s.$ref) {
      const name = s.$ref.replace('#/components/schemas/', '');
      if (found.has(name)) return;
      found.add(name);
      visit(schemas[name]);
      return;
    }
    for (const alt of [...(s.oneOf ?? []), ...(s.anyOf ?? []), ...(s.allOf ?? [])]) visit(alt);
    for (const p of Object.values(s.properties ?? {})) visit(p);
    visit(s.items);
  };
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item) as Array<{ responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>) {
      for (const r of Object.values(op?.responses ?? {})) {
        for (const c of Object.values(r.content ?? {})) visit(c.schema);
      }
    }
  }
  return found;
}

describe('models.ts and openapi.yaml', () => {
  it('parses both files', () => {
    assert.ok(Object.keys(schemas).length > 30, 'openapi.yaml schemas');
    assert.deepEqual(ts.getPreEmitDiagnostics(program, source).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
    assert.ok(declared.size > 30, 'models.ts declarations');
  });

  it('every schema the API answers with has a model of the same name', () => {
    const answered = [...responseSchemas()].filter((n) => !(n in NOT_MODELS));
    const missing = answered.filter((n) => !declared.has(n));
    assert.deepEqual(missing, [], 'schemas without a model in src/models.ts');
    for (const n of Object.keys(NOT_MODELS)) assert.ok(n in schemas, `NOT_MODELS names ${n}, which openapi.yaml does not have`);
  });

  it('string enums have the same values', () => {
    let compared = 0;
    for (const [name, s] of Object.entries(schemas)) {
      if (!s.enum || !declared.has(name)) continue;
      const type = declared.get(name)!;
      const values = (type.isUnion() ? type.types : [type])
        .filter((t) => t.isStringLiteral())
        .map((t) => (t as ts.StringLiteralType).value)
        .sort();
      assert.deepEqual(values, [...(s.enum as string[])].sort(), `enum ${name}`);
      compared += 1;
    }
    assert.ok(compared >= 4, `only ${compared} enums compared`);
  });

  it('object models have the schema\'s properties, optionality and kinds', () => {
    const problems: string[] = [];
    let compared = 0;
    for (const [name, raw] of Object.entries(schemas)) {
      const s = resolve(raw);
      if (!s.properties || !declared.has(name)) continue;
      compared += 1;
      const type = declared.get(name)!;
      const props = new Map(checker.getPropertiesOfType(type).map((p) => [p.getName(), p]));
      const required = new Set(s.required ?? []);
      for (const [prop, ps] of Object.entries(s.properties)) {
        const sym = props.get(prop);
        if (!sym) {
          problems.push(`${name}.${prop}: in openapi.yaml, not in the model`);
          continue;
        }
        const optional = (sym.flags & ts.SymbolFlags.Optional) !== 0;
        if (optional === required.has(prop)) {
          problems.push(`${name}.${prop}: ${required.has(prop) ? 'required' : 'optional'} in openapi.yaml, ${optional ? 'optional' : 'required'} in the model`);
        }
        const want = schemaKinds(ps);
        const have = typeKinds(checker.getTypeOfSymbol(sym));
        if (!want.has('any') && !have.has('any') && sorted(want) !== sorted(have)) {
          problems.push(`${name}.${prop}: ${sorted(want)} in openapi.yaml, ${sorted(have)} in the model`);
        }
      }
      for (const prop of props.keys()) {
        if (!(prop in s.properties)) problems.push(`${name}.${prop}: in the model, not in openapi.yaml`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(compared >= 20, `only ${compared} object schemas compared`);
  });
});
