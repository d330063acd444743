/**
 * The catalogues and the rules for using them, with no browser in sight (so that tests/console-i18n.test.ts can
 * check them under Node): which language a visitor gets, and how a text's `{placeholders}` are filled in.
 *
 * Texts are looked up by key in one catalogue per language (en.ts, sv.ts). A placeholder's name comes from the
 * English text, so the compiler asks for exactly the values a text needs; the test holds Swedish to the same.
 */
import { en, type Catalogue, type MessageKey } from './en.js';
import { sv } from './sv.js';

export type { MessageKey } from './en.js';

export type Language = 'sv' | 'en';

export const CATALOGUES: Readonly<Record<Language, Catalogue>> = { sv, en };

/** The names in a text's `{braces}`, as a type. */
type Names<Text extends string> = Text extends `${string}{${infer Name}}${infer Rest}` ? Name | Names<Rest> : never;

export type ParamsOf<K extends MessageKey> = Names<(typeof en)[K]>;

/** A key whose text has no placeholders takes no values; any other takes exactly its own. */
export type ArgsOf<K extends MessageKey, Value = string | number> = [ParamsOf<K>] extends [never] ? [] : [params: Record<ParamsOf<K>, Value>];

/** The keys whose text needs no values: what a table of keys (page titles, field errors) may hold. */
export type PlainKey = { [K in MessageKey]: [ParamsOf<K>] extends [never] ? K : never }[MessageKey];

/** `events.page` for the pair `events.page_one` / `events.page_other`. */
export type PluralKey = { [K in MessageKey]: K extends `${infer Base}_one` ? `${Base}_other` extends MessageKey ? Base : never : never }[MessageKey];

/** The `{names}` a text uses, each once, in order of first use. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\{([^{}]+)\}/g)].map((match) => match[1]!))];
}

/**
 * The language a visitor gets: their own earlier choice, else the first of Swedish or English in the browser's
 * preference order (so `sv-FI` before `en` is Swedish, `de, en` is English), else English. The server guesses the
 * page's first `<html lang>` from Accept-Language by the same rule (src/web/pages.ts).
 */
export function preferredLanguage(stored: string | null | undefined, browser: readonly string[]): Language {
  if (stored === 'sv' || stored === 'en') return stored;
  for (const tag of browser) {
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
    if (primary === 'sv' || primary === 'en') return primary;
  }
  return 'en';
}

/** A text split at its placeholders, each replaced by its value (which may be markup); an unknown name stays as written. */
export function fill<Value>(text: string, params: Readonly<Record<string, Value>>): (string | Value)[] {
  return text.split(/(\{[^{}]+\})/).filter((piece) => piece !== '').map((piece) => {
    const name = /^\{([^{}]+)\}$/.exec(piece)?.[1];
    return name !== undefined && name in params ? params[name]! : piece;
  });
}

export function message<K extends MessageKey>(language: Language, key: K, ...args: ArgsOf<K>): string {
  const [params] = args as [Record<string, string | number>?];
  return params ? fill(CATALOGUES[language][key], params).join('') : CATALOGUES[language][key];
}

/** The text for a code the API answers with (`purpose.audit`), or `fallback` when the console has no words for it yet. */
export function codeText(language: Language, prefix: string, code: string, fallback = code): string {
  const key = `${prefix}.${code}`;
  return Object.hasOwn(CATALOGUES[language], key) ? CATALOGUES[language][key as MessageKey] : fallback;
}
