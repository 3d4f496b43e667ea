import { z } from 'zod';

/**
 * A command option, described once: the zod schema checks it, Slack and the terminal parse it from
 * text, Discord registers it as a typed option (STRING with choices, INTEGER with bounds, BOOLEAN).
 */
export type OptionSpec =
  | { kind: 'string'; description: string; required: boolean; maxLength: number }
  | { kind: 'choice'; description: string; required: boolean; choices: readonly string[] }
  | { kind: 'integer'; description: string; required: boolean; min?: number; max?: number }
  | { kind: 'flag'; description: string; required: false };

type Required<R extends boolean, T> = R extends true ? T : T | undefined;

export type ValueOf<S extends OptionSpec> = S extends { kind: 'string'; required: infer R extends boolean }
  ? Required<R, string>
  : S extends { kind: 'choice'; required: infer R extends boolean; choices: readonly (infer C)[] }
    ? Required<R, C>
    : S extends { kind: 'integer'; required: infer R extends boolean }
      ? Required<R, number>
      : boolean;

export type OptionSpecs = Record<string, OptionSpec>;
export type ArgsOf<O extends OptionSpecs> = { [K in keyof O]: ValueOf<O[K]> };

export const opt = {
  string: <const R extends boolean = false>(description: string, options: { required?: R; maxLength?: number } = {}) =>
    ({ kind: 'string', description, required: (options.required ?? false) as R, maxLength: options.maxLength ?? 500 }) as const,
  choice: <const C extends readonly string[], const R extends boolean = false>(choices: C, description: string, options: { required?: R } = {}) =>
    ({ kind: 'choice', description, required: (options.required ?? false) as R, choices }) as const,
  integer: <const R extends boolean = false>(description: string, options: { required?: R; min?: number; max?: number } = {}) =>
    ({ kind: 'integer', description, required: (options.required ?? false) as R, ...(options.min === undefined ? {} : { min: options.min }), ...(options.max === undefined ? {} : { max: options.max }) }) as const,
  flag: (description: string) => ({ kind: 'flag', description, required: false }) as const,
};

function schemaOf(spec: OptionSpec): z.ZodType {
  switch (spec.kind) {
    case 'string': {
      const text = z.string().trim().min(1, 'must not be empty').max(spec.maxLength, `at most ${spec.maxLength} characters`);
      return spec.required ? text : text.optional();
    }
    case 'choice': {
      const choice = z.preprocess((value) => (typeof value === 'string' ? value.toLowerCase() : value), z.enum(spec.choices.map((c) => c.toLowerCase()) as [string, ...string[]], {
        error: `must be one of ${spec.choices.join(', ')}`,
      })).transform((value) => spec.choices.find((c) => c.toLowerCase() === value)!);
      return spec.required ? choice : choice.optional();
    }
    case 'integer': {
      let number = z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number');
      if (spec.min !== undefined) number = number.min(spec.min, `must be at least ${spec.min}`);
      if (spec.max !== undefined) number = number.max(spec.max, `must be at most ${spec.max}`);
      return spec.required ? number : number.optional();
    }
    case 'flag':
      return z.preprocess((value) => (value === 'true' || value === 'yes' ? true : value === 'false' || value === 'no' ? false : value), z.boolean({ error: 'must be true or false' })).default(false);
  }
}

/** The zod schema for a command's options; unknown options are refused. */
export function schemaFor(options: OptionSpecs): z.ZodType {
  return z.strictObject(Object.fromEntries(Object.entries(options).map(([name, spec]) => [name, schemaOf(spec)])));
}
