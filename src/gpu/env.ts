// Settings read from GRAFT_* environment variables that take one of a few words (GRAFT_WEIGHTS, GRAFT_CONV,
// GRAFT_WAIT). A value outside those words is an error that names the variable and the words, never a silent
// default: a mistyped setting would otherwise measure or train something other than what was asked.

import { GraftError } from './errors.ts';

/** The word `name` is set to, lower-cased; `fallback` when unset. Refuses any other word. */
export function envChoice<T extends string>(name: string, choices: readonly T[], fallback: T): T;
export function envChoice<T extends string>(name: string, choices: readonly T[]): T | undefined;
export function envChoice<T extends string>(name: string, choices: readonly T[], fallback?: T): T | undefined {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase() as T;
  if (!choices.includes(value)) {
    const words = choices.map((c) => `'${c}'${c === fallback ? ' (the default)' : ''}`);
    const list = words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : words[0];
    throw new GraftError(`${name}='${raw}': expected ${list}`);
  }
  return value;
}
