// Structured answers: a request whose `text.format` is `json_schema` gets JSON that validates against
// its schema. The format is checked when the request arrives (a 400 naming the param, as Sail answers a
// bad schema); the answer is a deterministic instance generated from the schema, validated with ajv
// before it is sent: an instance that fails its own schema is a simulator bug, answered as a 500.
//
// For tests of a client's handling of bad answers, the prompt decides: with the words "answer invalid
// json" the answer is JSON that breaks the schema (its first required property missing, or an enum
// broken), and with "answer broken json" it is text that is not JSON at all.
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { badRequest, SimError } from './errors';

/** A `json_schema` format that passed its checks, with its schema compiled. */
export interface StructuredFormat {
  name: string;
  strict: boolean;
  schema: Record<string, unknown>;
  validate: ValidateFunction;
}

type Schema = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
/** `$schema` values accepted and then ignored: ajv compiles the schema as draft 2020-12. */
const KNOWN_DIALECTS = /^https?:\/\/json-schema\.org\/(draft-07\/schema|draft\/2019-09\/schema|draft\/2020-12\/schema)#?$/;
/** Nesting past which generation stops adding optional array items, so recursive schemas end. */
const MAX_DEPTH = 12;
const SAMPLE_STRINGS: Record<string, string> = {
  date: '2026-09-13',
  'date-time': '2026-09-13T12:00:00Z',
  time: '12:00:00Z',
  email: 'simulator@example.com',
  uri: 'https://example.com/simulated',
  'uri-reference': 'https://example.com/simulated',
  url: 'https://example.com/simulated',
  uuid: '00000000-0000-4000-8000-000000000000',
  hostname: 'example.com',
  ipv4: '192.0.2.1',
  ipv6: '2001:db8::1',
};

/**
 * The request's `text.format` when it is `json_schema`, checked: a name Sail accepts and a schema that
 * is an object and compiles. Undefined for plain text. `prefix` is a batch item's param prefix.
 */
export function checkStructuredFormat(text: unknown, prefix: string): StructuredFormat | undefined {
  const format = isRecord(text) && isRecord(text.format) ? text.format : undefined;
  if (format?.type !== 'json_schema') {
    return undefined;
  }
  const param = `${prefix}text.format`;
  const name = format.name;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw badRequest(
      `${param}.name`,
      `Invalid value for '${param}.name': ${JSON.stringify(name)} must be 1 to 64 letters, digits, underscores or dashes (${NAME_PATTERN.source}).`,
    );
  }
  if (format.schema === undefined) {
    throw badRequest(`${param}.schema`, `Missing required parameter: '${param}.schema'. A json_schema format needs the JSON Schema the answer must match.`);
  }
  if (!isRecord(format.schema)) {
    throw badRequest(`${param}.schema`, `Invalid value for '${param}.schema': the schema must be a JSON object.`);
  }
  const schema = format.schema;
  if (schema.$schema !== undefined && !(typeof schema.$schema === 'string' && KNOWN_DIALECTS.test(schema.$schema))) {
    throw badRequest(`${param}.schema`, `Invalid schema for response_format '${name}': unsupported $schema ${JSON.stringify(schema.$schema)}.`);
  }
  let validate: ValidateFunction;
  try {
    const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
    addFormats(ajv);
    const dialectFree = { ...schema };
    delete dialectFree.$schema;
    validate = ajv.compile(dialectFree);
  } catch (err) {
    throw badRequest(`${param}.schema`, `Invalid schema for response_format '${name}': ${err instanceof Error ? err.message : String(err)}`);
  }
  return { name, strict: format.strict === true, schema, validate };
}

/**
 * The answer's text: JSON generated from the schema and checked against it, or, when the prompt asks
 * for it, invalid or broken JSON. `prompt` is everything the model read; `title` is a short phrase
 * from it that generated strings carry.
 */
export function structuredAnswer(format: StructuredFormat, prompt: string, title: string): string {
  const instance = generate(format.schema, format.schema, { strict: format.strict, text: title, depth: 0 });
  if (!format.validate(instance)) {
    throw new SimError(
      500,
      `Simulator bug: the answer generated for response_format '${format.name}' does not match its schema (${errorsOf(format.validate)}).`,
      'server_error',
    );
  }
  const json = JSON.stringify(instance, null, 2);
  if (/\banswer broken json\b/i.test(prompt)) {
    return `Here is the JSON you asked for:\n${json}`;
  }
  if (/\banswer invalid json\b/i.test(prompt)) {
    return JSON.stringify(breakInstance(format.schema, instance), null, 2);
  }
  return json;
}

function errorsOf(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
}

interface Context {
  strict: boolean;
  text: string;
  depth: number;
}

/** A deterministic instance of `schema`; `root` resolves local `$ref`s. */
function generate(schema: unknown, root: Schema, context: Context): unknown {
  if (schema === true || schema === undefined) {
    return context.text;
  }
  if (!isRecord(schema)) {
    throw new SimError(500, `Simulator bug: cannot generate an instance of the schema ${JSON.stringify(schema)}.`, 'server_error');
  }
  const inner = { ...context, depth: context.depth + 1 };
  if (typeof schema.$ref === 'string') {
    return generate(resolveRef(schema.$ref, root), root, inner);
  }
  if ('const' in schema) {
    return schema.const;
  }
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return schema.enum[0];
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branches = schema[keyword];
    if (Array.isArray(branches) && branches.length > 0) {
      return generate(branches[0], root, inner);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    return generate(mergeAll([rest, ...allOf.map((s: unknown) => (isRecord(s) && typeof s.$ref === 'string' ? resolveRef(s.$ref, root) : s))]), root, context);
  }
  switch (typeOf(schema)) {
    case 'object':
      return generateObject(schema, root, inner);
    case 'array': {
      const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : Number.POSITIVE_INFINITY;
      const count = Math.min(Math.max(minItems, context.depth < MAX_DEPTH ? 1 : 0), maxItems);
      const items = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
      return Array.from({ length: count }, (_, i) => generate(items[i] ?? schema.items, root, inner));
    }
    case 'string':
      return generateString(schema, context.text);
    case 'integer':
    case 'number':
      return generateNumber(schema, typeOf(schema) === 'integer');
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return context.text;
  }
}

function generateObject(schema: Schema, root: Schema, context: Context): Record<string, unknown> {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : [];
  const keys = context.strict ? [...new Set([...Object.keys(properties), ...required])] : required;
  const result: Record<string, unknown> = {};
  for (const key of keys) {
    // A required key without a schema of its own takes additionalProperties', or any value.
    const propertySchema = properties[key] ?? (isRecord(schema.additionalProperties) ? schema.additionalProperties : undefined);
    result[key] = generate(propertySchema, root, context);
  }
  return result;
}

function generateString(schema: Schema, text: string): string {
  const format = typeof schema.format === 'string' ? SAMPLE_STRINGS[schema.format] : undefined;
  let value = format ?? text;
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  if (value.length < minLength) {
    value = value.padEnd(minLength, '.');
  }
  return value.length > maxLength ? value.slice(0, maxLength) : value;
}

function generateNumber(schema: Schema, integer: boolean): number {
  const step = integer ? 1 : 0.5;
  const minimum =
    typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + step : undefined;
  const maximum =
    typeof schema.maximum === 'number' ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum - step : undefined;
  const value = minimum ?? (maximum !== undefined && maximum < 0 ? maximum : 0);
  return integer ? Math.ceil(value) : value;
}

/** The schema's type: the first listed when it lists several (null last), else read from its keywords. */
function typeOf(schema: Schema): string | undefined {
  if (typeof schema.type === 'string') {
    return schema.type;
  }
  if (Array.isArray(schema.type)) {
    return schema.type.find((t) => t !== 'null') ?? schema.type[0];
  }
  if (schema.properties !== undefined || schema.required !== undefined) {
    return 'object';
  }
  if (schema.items !== undefined || schema.prefixItems !== undefined) {
    return 'array';
  }
  return undefined;
}

/** A local `$ref` (`#`, `#/$defs/…`, `#/definitions/…`, any JSON pointer into the schema). */
function resolveRef(ref: string, root: Schema): unknown {
  if (!ref.startsWith('#')) {
    throw new SimError(500, `Simulator bug: cannot follow the non-local $ref ${JSON.stringify(ref)}.`, 'server_error');
  }
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = isRecord(node) ? node[key] : Array.isArray(node) ? node[Number(key)] : undefined;
  }
  return node;
}

/** allOf's schemas as one: properties and required lists joined, other keywords from the last that sets them. */
function mergeAll(schemas: unknown[]): Schema {
  const merged: Schema = {};
  const properties: Schema = {};
  const required = new Set<string>();
  for (const schema of schemas.filter(isRecord)) {
    Object.assign(merged, schema);
    Object.assign(properties, isRecord(schema.properties) ? schema.properties : {});
    for (const key of Array.isArray(schema.required) ? schema.required : []) {
      required.add(String(key));
    }
  }
  return { ...merged, properties, required: [...required] };
}

/** The instance made invalid: its first required property removed, or else an enum broken, or else another type. */
function breakInstance(schema: Schema, instance: unknown): unknown {
  if (isRecord(instance)) {
    const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string' && k in instance) : [];
    if (required.length > 0) {
      const broken = { ...instance };
      delete broken[required[0]];
      return broken;
    }
    const properties = isRecord(schema.properties) ? schema.properties : {};
    const withEnum = Object.keys(instance).find((key) => isRecord(properties[key]) && Array.isArray(properties[key].enum));
    if (withEnum !== undefined) {
      return { ...instance, [withEnum]: 'not-one-of-the-allowed-values' };
    }
    return ['not', 'an', 'object'];
  }
  return typeof instance === 'string' ? { not: 'a string' } : 'not the expected type';
}
