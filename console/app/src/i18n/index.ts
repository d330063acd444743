/**
 * The console's language in the browser: chosen once when the page loads (messages.ts: the visitor's stored
 * choice, else the browser's preference), changed by the switch in the header, and kept in localStorage — it is
 * no personal data, and a choice made once should hold in every tab. `<html lang>` always says which language the
 * page is in, so screen readers pronounce it right.
 *
 * The current language is module state: every page renders below the App, which re-renders on a change, so `t`
 * needs no context to thread through.
 */
import type { ComponentChild } from 'preact';
import { CATALOGUES, codeText, fill, message, preferredLanguage, type ArgsOf, type Language, type MessageKey, type PluralKey } from './messages.js';

export type { Language, MessageKey, PlainKey } from './messages.js';

const STORAGE_KEY = 'samgraf.console.language';

let current: Language = 'en';

function storedChoice(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** The language to start in; also sets `<html lang>`. */
export function startLanguage(): Language {
  current = preferredLanguage(storedChoice(), navigator.languages?.length ? navigator.languages : [navigator.language]);
  document.documentElement.lang = current;
  return current;
}

/** The visitor's choice: in force at once, and remembered for the next visit. */
export function chooseLanguage(language: Language): void {
  current = language;
  document.documentElement.lang = language;
  try {
    localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // Storage may be off (private mode, policy): the choice then lasts as long as the page.
  }
}

export function language(): Language {
  return current;
}

export function t<K extends MessageKey>(key: K, ...args: ArgsOf<K>): string {
  return message(current, key, ...args);
}

/** A text whose placeholders are filled with markup (a link, `<code>`), for use as JSX children. */
export function tx<K extends MessageKey>(key: K, params: ArgsOf<K, ComponentChild>[0]): ComponentChild[] {
  return fill<ComponentChild>(CATALOGUES[current][key], (params ?? {}) as Record<string, ComponentChild>);
}

/** One of a pair of texts `KEY_one` / `KEY_other` by `count`, which it may use as `{count}`. */
export function plural<B extends PluralKey>(base: B, count: number, ...args: ArgsOf<Extract<`${B}_other`, MessageKey>>): string {
  // Both texts of a pair take the same values (tests/console-i18n.test.ts holds them to it).
  const key = `${base}_${count === 1 ? 'one' : 'other'}` as Extract<`${B}_other`, MessageKey>;
  return message(current, key, ...args);
}

/** Words for a code the API answers with (a purpose, an outcome…); `fallback` (the code itself) when there are none. */
export function codeName(prefix: 'purpose' | 'category' | 'outcome' | 'principal' | 'chainBreak' | 'organisation' | 'persona' | 'findingKind' | 'verdict', code: string, fallback = code): string {
  return codeText(current, prefix, code, fallback);
}
