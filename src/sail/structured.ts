/**
 * Structured output: a prompt that asks for JSON matching a JSON Schema sends the schema as the
 * request's `text.format`, and its answer is checked against the same schema here, so a team sees at
 * once which answers are not what the prompt promised, and where. Ajv does the checking; it accepts
 * schemas for draft-07 (the default, as OpenAI's examples are), 2019-09 and 2020-12.
 */
import * as l10n from '@vscode/l10n';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import type { TextFormat } from './schemas';

/** OpenAI's rule for `text.format.name`, which Sail follows. */
const FORMAT_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * The request's `text.format` for a schema. The name is made to fit `^[a-zA-Z0-9_-]{1,64}$` (a
 * prompt's label, "Code review!", becomes `Code_review`) rather than refused, since it only names
 * the schema for the model. `strict` defaults to true: the model is held to the schema exactly.
 */
export function jsonSchemaFormat(name: string, schema: Record<string, unknown>, strict = true): TextFormat {
  return { type: 'json_schema', name: formatName(name), schema, strict };
}

function formatName(name: string): string {
  if (FORMAT_NAME.test(name)) {
    return name;
  }
  const cleaned = name
    .replace(/[^a-zA-Z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
  return cleaned || 'response';
}

type Dialect = 'draft-07' | '2019-09' | '2020-12';

/** The dialect a schema's `$schema` names; absent means draft-07. Undefined for one Ajv cannot check. */
function dialectOf(schema: Record<string, unknown>): Dialect | undefined {
  const uri = schema.$schema;
  if (uri === undefined) {
    return 'draft-07';
  }
  if (typeof uri !== 'string') {
    return undefined;
  }
  const id = uri.replace(/^https?:\/\//, '').replace(/#$/, '');
  return id === 'json-schema.org/draft-07/schema'
    ? 'draft-07'
    : id === 'json-schema.org/draft/2019-09/schema'
      ? '2019-09'
      : id === 'json-schema.org/draft/2020-12/schema'
        ? '2020-12'
        : undefined;
}

const validators = new Map<Dialect, Ajv>();

/**
 * One Ajv per dialect, shared. `addUsedSchema: false`: two prompts whose schemas have the same `$id`
 * must not collide in the instance. `logger: false`: an unknown `format` is ignored silently, not
 * printed to the console.
 */
function ajvFor(dialect: Dialect): Ajv {
  let ajv = validators.get(dialect);
  if (!ajv) {
    const options = { allErrors: true, strict: false, addUsedSchema: false, logger: false } as const;
    ajv = dialect === '2020-12' ? new Ajv2020(options) : dialect === '2019-09' ? new Ajv2019(options) : new Ajv(options);
    validators.set(dialect, ajv);
  }
  return ajv;
}

/** `release`: drops the schema from its Ajv instance, which otherwise keeps every schema it compiled. */
type Compiled = { readonly validate: ValidateFunction; readonly release: () => void; readonly problem?: undefined } | { readonly problem: string };

/** Compiled schemas by their JSON text (the same schema read twice is compiled once), oldest first. */
const byText = new Map<string, Compiled>();
/** …and by object, so checking many answers against one schema does not even serialize it again. */
const byObject = new WeakMap<object, Compiled>();
const MAX_COMPILED = 64;

function compiled(schema: unknown): Compiled {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    return { problem: l10n.t('A JSON Schema must be an object, such as {"type": "object", "properties": {…}}; this is {0}.', kindOf(schema)) };
  }
  const known = byObject.get(schema);
  if (known) {
    return known;
  }
  const text = JSON.stringify(schema);
  let result = byText.get(text);
  if (!result) {
    result = compile(schema as Record<string, unknown>);
    if (byText.size >= MAX_COMPILED) {
      const oldest = byText.keys().next().value;
      if (oldest !== undefined) {
        const evicted = byText.get(oldest);
        byText.delete(oldest);
        if (evicted && 'release' in evicted) {
          evicted.release();
        }
      }
    }
    byText.set(text, result);
  }
  byObject.set(schema, result);
  return result;
}

function compile(schema: Record<string, unknown>): Compiled {
  const dialect = dialectOf(schema);
  if (!dialect) {
    return {
      problem: l10n.t(
        'The schema says "$schema": {0}; Sail checks schemas for JSON Schema draft-07, 2019-09 or 2020-12 (or with no "$schema", draft-07).',
        JSON.stringify(schema.$schema) ?? '',
      ),
    };
  }
  const ajv = ajvFor(dialect);
  // Checked against the dialect's meta-schema, which the instance already knows, however `$schema` is spelt.
  const body = { ...schema };
  delete body.$schema;
  if (!ajv.validateSchema(body)) {
    return { problem: l10n.t('This is not a valid JSON Schema: {0}.', describeErrors(ajv.errors ?? []).join('; ')) };
  }
  try {
    return { validate: ajv.compile(body), release: () => ajv.removeSchema(body) };
  } catch (error) {
    // An unresolvable $ref, a bad regular expression in "pattern", …
    return { problem: l10n.t('This JSON Schema cannot be used: {0}.', error instanceof Error ? error.message : String(error)) };
  }
}

function kindOf(value: unknown): string {
  return Array.isArray(value) ? l10n.t('a list') : value === null ? 'null' : typeof value === 'string' ? l10n.t('text') : typeof value;
}

/**
 * Why a value cannot be used as a structured-output schema, in words: not an object, not valid
 * against its dialect's meta-schema (`/properties/x/type: must be equal to one of the allowed values
 * (array, boolean, …)`), or not compilable. Undefined when it can be used.
 */
export function schemaProblem(schema: unknown): string | undefined {
  return compiled(schema).problem;
}

export type StructuredCheck =
  | { readonly parsed: false; readonly message: string; readonly line: number; readonly column: number }
  | {
      readonly parsed: true;
      readonly value: unknown;
      readonly pretty: string;
      readonly valid: boolean;
      readonly errors: readonly { readonly pointer: string; readonly message: string }[];
    };

/** A reply wrapped in one ```json (or bare ```) fence, which models add even when told not to. */
const FENCED = /^\s*```(?:json)?[ \t]*\r?\n([\s\S]*?)\r?\n[ \t]*```\s*$/d;

/**
 * Whether an answer is JSON and matches the schema. Not JSON: the message says why and line/column
 * (1-based, in `text` as given) say where parsing stopped. JSON: every way it fails the schema,
 * each at its JSON pointer (`/` for the whole value). A schema that cannot be used makes every answer
 * invalid, with the schema's problem at `/`. The one leniency: a single fence around the JSON.
 */
export function checkStructured(text: string, schema: Record<string, unknown>): StructuredCheck {
  const fenced = FENCED.exec(text);
  const unwrap = fenced?.indices?.[1] && !/^[ \t]*```/m.test(fenced[1]);
  const start = unwrap && fenced.indices?.[1] ? fenced.indices[1][0] : 0;
  const json = unwrap ? fenced[1] : text;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    const found = jsonError(json) ?? { offset: 0, message: error instanceof Error ? error.message : String(error) };
    return { parsed: false, message: l10n.t('The answer is not JSON: {0}.', found.message), ...position(text, start + found.offset) };
  }
  const pretty = JSON.stringify(value, null, 2);
  const check = compiled(schema);
  if (check.problem !== undefined) {
    return { parsed: true, value, pretty, valid: false, errors: [{ pointer: '/', message: check.problem }] };
  }
  const valid = check.validate(value);
  const errors = valid ? [] : (check.validate.errors ?? []).map((error) => ({ pointer: error.instancePath || '/', message: errorMessage(error) }));
  return { parsed: true, value, pretty, valid, errors };
}

/** Ajv's words, with the detail its message leaves in `params`: the allowed values, the extra property. */
function errorMessage(error: ErrorObject): string {
  const message = error.message ?? error.keyword;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'enum':
      return `${message} (${(params.allowedValues as unknown[]).map(show).join(', ')})`;
    case 'const':
      return `${message} (${show(params.allowedValue)})`;
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return `${message} (${String(params.additionalProperty ?? params.unevaluatedProperty)})`;
    default:
      return message;
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A schema's own errors, one per place: the meta-schema's `anyOf` alternatives would otherwise
 * say the same mistake three ways. `pointer: message`.
 */
function describeErrors(errors: readonly ErrorObject[]): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const error of errors) {
    const pointer = error.instancePath || '/';
    if (seen.has(pointer)) {
      continue;
    }
    seen.add(pointer);
    lines.push(`${pointer}: ${errorMessage(error)}`);
  }
  return lines;
}

function position(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

class JsonStop extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Where and why `text` stops being JSON: a small scanner of the JSON grammar, since JSON.parse's
 * message differs between Node versions and does not always say where. Undefined when it is JSON.
 */
export function jsonError(text: string): { offset: number; message: string } | undefined {
  let i = 0;
  const space = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i])) {
      i++;
    }
  };
  const fail = (message: string): never => {
    throw new JsonStop(i, i >= text.length ? l10n.t('it ends too early') : message);
  };
  const unexpected = () => fail(l10n.t('unexpected {0}', JSON.stringify(text[i])));
  const literal = (word: string) => {
    for (const char of word) {
      if (text[i] !== char) {
        unexpected();
      }
      i++;
    }
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) {
        fail('');
      }
      const char = text[i];
      if (char === '"') {
        i++;
        return;
      }
      if (char < ' ') {
        fail(l10n.t('a line break or control character inside a string (escape it, as \\n)'));
      }
      if (char === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) {
            fail(l10n.t('a \\u escape needs four hexadecimal digits'));
          }
          i += 5;
          continue;
        }
        if (i < text.length && !'"\\/bfnrt'.includes(text[i])) {
          fail(l10n.t('an invalid escape in a string'));
        }
      }
      i++;
    }
  };
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match) {
      unexpected();
    }
    i += match?.[0].length ?? 0;
    if (i < text.length && /[0-9.eE+-]/.test(text[i])) {
      fail(l10n.t('a malformed number'));
    }
  };
  const value = (): void => {
    space();
    const char = text[i];
    if (char === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') {
          fail(l10n.t('expected a property name in double quotes'));
        }
        string();
        space();
        if (text[i] !== ':') {
          fail(l10n.t('expected ":" after a property name'));
        }
        i++;
        value();
        space();
        if (text[i] === '}') {
          i++;
          return;
        }
        if (text[i] !== ',') {
          fail(l10n.t('expected "," or "}" after a property value'));
        }
        i++;
      }
    }
    if (char === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[i] === ']') {
          i++;
          return;
        }
        if (text[i] !== ',') {
          fail(l10n.t('expected "," or "]" after an item'));
        }
        i++;
      }
    }
    if (char === '"') {
      string();
    } else if (char === 't') {
      literal('true');
    } else if (char === 'f') {
      literal('false');
    } else if (char === 'n') {
      literal('null');
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      number();
    } else if ((char === ']' || char === '}') && text.slice(0, i).trimEnd().endsWith(',')) {
      fail(l10n.t('a comma before {0} (JSON allows no trailing comma)', JSON.stringify(char)));
    } else {
      unexpected();
    }
  };
  try {
    space();
    if (i >= text.length) {
      return { offset: i, message: l10n.t('it is empty') };
    }
    value();
    space();
    if (i < text.length) {
      fail(l10n.t('more text after the JSON value'));
    }
    return undefined;
  } catch (error) {
    if (error instanceof JsonStop) {
      return { offset: error.offset, message: error.message };
    }
    // Nesting deeper than the stack: say so at the start rather than fail.
    return { offset: 0, message: error instanceof Error ? error.message : String(error) };
  }
}
