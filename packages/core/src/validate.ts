/**
 * Argument and option checks, done once at the call, with messages that name
 * the argument or option at fault.
 */

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * A timeout in milliseconds: `undefined` or `Infinity` means no limit (returned
 * as `undefined`), `0` means "only what is already done".
 * @throws TypeError when not a number, RangeError when negative or NaN.
 */
export function validateTimeout(value: unknown, name: string): number | undefined {
  if (value === undefined || value === Infinity) return undefined;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number of milliseconds, got ${describe(value)}`);
  if (Number.isNaN(value) || value < 0) throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${value}`);
  return value;
}

/** A whole number >= min (Infinity allowed when `allowInfinity`). */
export function validateInteger(value: unknown, name: string, min: number, allowInfinity = false): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  if (allowInfinity && value === Infinity) return value;
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}${allowInfinity ? ' or Infinity' : ''}, got ${value}`);
  }
  return value;
}

/** Throws a TypeError naming every key of `options` that is not in `known`. */
export function rejectUnknownOptions(options: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      const near = known.find((k) => k.toLowerCase().startsWith(key.toLowerCase().slice(0, 4)));
      throw new TypeError(`${where}: unknown option '${key}'${near ? ` (did you mean '${near}'?)` : ''}; known options: ${known.join(', ')}`);
    }
  }
}

/** `options` must be undefined or a plain object; returns it or `{}`. */
export function validateOptionsObject<T extends object>(options: unknown, where: string): Partial<T> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  }
  return options as Partial<T>;
}

export function validateFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${describe(value)}`);
}

export function validateString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  return value;
}

export function validateArray(value: unknown, name: string): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${name} must be an array, got ${describe(value)}`);
  return value;
}

/** An optional array of strings (such as `execArgv`), copied; `undefined` stays `undefined`. */
export function validateStringArray(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  return validateArray(value, name).map((item, i) => validateString(item, `${name}[${i}]`));
}

export function validateSignal(value: unknown, name: string): AbortSignal {
  if (!(value instanceof AbortSignal)) throw new TypeError(`${name} must be an AbortSignal, got ${describe(value)}`);
  return value;
}

export { describe as describeValue };
