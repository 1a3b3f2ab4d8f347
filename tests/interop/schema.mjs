// A small JSON Schema (2020-12 subset) validator for the schemas of docs/api/openapi.yaml.
// Supports: $ref (local), type (string or list), enum, const, required, properties,
// additionalProperties, items, oneOf, anyOf, allOf, pattern, minLength, maxLength, minimum,
// maximum, minProperties, minItems, maxItems. Unknown keywords (format, description, examples,
// default) are ignored, as annotations.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import yaml from 'js-yaml';

const here = dirname(fileURLToPath(import.meta.url));
export const OPENAPI_PATH = resolve(here, '../../docs/api/openapi.yaml');

export function loadOpenApi(path = OPENAPI_PATH) {
  return yaml.load(readFileSync(path, 'utf8'));
}

export function resolveRef(doc, ref) {
  if (!ref.startsWith('#/')) throw new Error(`only local $ref is supported: ${ref}`);
  let cur = doc;
  for (const raw of ref.slice(2).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object' || !(token in cur)) {
      throw new Error(`unresolvable $ref ${ref}`);
    }
    cur = cur[token];
  }
  return cur;
}

/** Follows $ref chains of OpenAPI objects (responses, parameters). */
export function deref(doc, node) {
  let n = node;
  for (let i = 0; i < 16 && n && typeof n === 'object' && typeof n.$ref === 'string'; i++) {
    n = resolveRef(doc, n.$ref);
  }
  return n;
}

function typeOf(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v; // string, boolean, object
}

function typeMatches(expected, v) {
  const t = typeOf(v);
  if (expected === t) return true;
  if (expected === 'number' && t === 'integer') return true;
  return false;
}

function deepEqual(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Returns a list of error strings (empty when `value` is valid against `schema`).
 * `strict`: an object schema with `properties` and no `additionalProperties` is treated as closed,
 * so a response field the document does not describe is reported.
 */
export function validate(doc, schema, value, path = '$', depth = 0, strict = false) {
  if (depth > 64) return [`${path}: schema nesting too deep`];
  if (schema === true || schema === undefined) return [];
  if (schema === false) return [`${path}: no value allowed`];
  const errs = [];
  if (schema.$ref) {
    errs.push(...validate(doc, resolveRef(doc, schema.$ref), value, path, depth + 1, strict));
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(t, value))) {
      errs.push(`${path}: expected type ${types.join('|')}, got ${typeOf(value)} (${JSON.stringify(value)})`);
      return errs;
    }
  }
  if (schema.enum && !schema.enum.some((e) => deepEqual(e, value))) {
    errs.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if ('const' in schema && !deepEqual(schema.const, value)) {
    errs.push(`${path}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && [...value].length < schema.minLength) {
      errs.push(`${path}: shorter than ${schema.minLength}`);
    }
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) {
      errs.push(`${path}: longer than ${schema.maxLength}`);
    }
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) {
      errs.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errs.push(`${path}: ${value} < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errs.push(`${path}: ${value} > ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errs.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errs.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items !== undefined) {
      value.forEach((item, i) => errs.push(...validate(doc, schema.items, item, `${path}[${i}]`, depth + 1, strict)));
    }
  }
  if (typeOf(value) === 'object') {
    const props = schema.properties || {};
    for (const req of schema.required || []) {
      if (!(req in value)) errs.push(`${path}: missing required property ${req}`);
    }
    if (schema.minProperties !== undefined && Object.keys(value).length < schema.minProperties) {
      errs.push(`${path}: fewer than ${schema.minProperties} properties`);
    }
    for (const [k, v] of Object.entries(value)) {
      if (k in props) {
        errs.push(...validate(doc, props[k], v, `${path}.${k}`, depth + 1, strict));
      } else if (schema.additionalProperties === false ||
                 (strict && schema.properties && schema.additionalProperties === undefined)) {
        errs.push(`${path}: property ${k} is not documented`);
      } else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        errs.push(...validate(doc, schema.additionalProperties, v, `${path}.${k}`, depth + 1, strict));
      }
    }
  }
  if (schema.allOf) {
    for (const s of schema.allOf) errs.push(...validate(doc, s, value, path, depth + 1, strict));
  }
  if (schema.anyOf) {
    const ok = schema.anyOf.some((s) => validate(doc, s, value, path, depth + 1, strict).length === 0);
    if (!ok) errs.push(`${path}: matches none of anyOf`);
  }
  if (schema.oneOf) {
    const results = schema.oneOf.map((s) => validate(doc, s, value, path, depth + 1, strict));
    const matches = results.filter((r) => r.length === 0).length;
    if (matches !== 1) {
      errs.push(`${path}: matches ${matches} of oneOf (exactly 1 required)` +
        (matches === 0 ? `: ${results.map((r) => r[0]).join(' / ')}` : ''));
    }
  }
  return errs;
}
