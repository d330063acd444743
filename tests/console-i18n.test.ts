/**
 * The console's two languages, without a browser (tests/console.test.ts drives one in each): the catalogues
 * (console/app/src/i18n/en.ts, sv.ts) have the same keys, none empty, and each text the same `{placeholders}` as
 * its counterpart; Swedish is not English copied; the pages say nothing in words that bypass the catalogues; and
 * the rule that picks a visitor's language.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CATALOGUES, fill, message, placeholders, preferredLanguage, type Language } from '../console/app/src/i18n/messages.js';
import { repoRoot } from './helpers/repo.js';

const LANGUAGES = Object.keys(CATALOGUES) as Language[];

/**
 * Texts that are rightly the same in Swedish and English: codes, names and loanwords. Anything else equal in
 * both is a text someone forgot to translate.
 */
const SAME_IN_BOTH = new Set([
  'outcome.OK', 'chains.col.status', 'events.organization.label', 'events.col.organization', 'detail.organization', 'myLog.col.organization',
  'detail.operation', 'purpose.demonstration', 'receipt.reason.proof',
]);

describe('console translations', () => {
  it('has Swedish and English, with the same keys', () => {
    assert.deepEqual([...LANGUAGES].sort(), ['en', 'sv']);
    const [first, ...rest] = LANGUAGES.map((language) => Object.keys(CATALOGUES[language]).sort());
    for (const [index, keys] of rest.entries()) {
      const language = LANGUAGES[index + 1]!;
      assert.deepEqual(keys.filter((key) => !first!.includes(key)), [], `keys in ${language} only`);
      assert.deepEqual(first!.filter((key) => !keys.includes(key)), [], `keys missing in ${language}`);
    }
  });

  it('has no empty text in either language', () => {
    for (const language of LANGUAGES) {
      const empty = Object.entries(CATALOGUES[language]).filter(([, text]) => typeof text !== 'string' || text.trim() === '').map(([key]) => key);
      assert.deepEqual(empty, [], `empty texts in ${language}`);
    }
  });

  it('gives each text the same placeholders in both languages, and both texts of a plural the same', () => {
    const mismatched: string[] = [];
    for (const key of Object.keys(CATALOGUES.en) as (keyof typeof CATALOGUES.en)[]) {
      const expected = placeholders(CATALOGUES.en[key]).sort();
      for (const language of LANGUAGES) {
        const found = placeholders(CATALOGUES[language][key]).sort();
        if (found.join() !== expected.join()) mismatched.push(`${language} ${key}: {${found.join('}{')}} where en has {${expected.join('}{')}}`);
      }
      if (key.endsWith('_one')) {
        const other = `${key.slice(0, -'_one'.length)}_other` as keyof typeof CATALOGUES.en;
        if (!(other in CATALOGUES.en)) mismatched.push(`${key} has no ${other}`);
        else for (const language of LANGUAGES) {
          if (placeholders(CATALOGUES[language][key]).sort().join() !== placeholders(CATALOGUES[language][other]).sort().join()) mismatched.push(`${language} ${key} and ${other} differ`);
        }
      }
    }
    assert.deepEqual(mismatched, []);
  });

  it('the placeholder check itself sees a missing or extra placeholder', () => {
    assert.deepEqual(placeholders('Sida {page}: {count} händelser{more}.').sort(), ['count', 'more', 'page']);
    assert.notDeepEqual(placeholders('Sida {page}: {count} händelser.').sort(), placeholders('Page {page}: {count} events{more}.').sort());
  });

  it('says in Swedish what it says in English (no text left untranslated)', () => {
    const untranslated = Object.entries(CATALOGUES.sv).filter(([key, text]) => text === CATALOGUES.en[key as keyof typeof CATALOGUES.en] && !SAME_IN_BOTH.has(key));
    assert.deepEqual(untranslated.map(([key, text]) => `${key}: ${text}`), []);
  });

  it('the pages put no words of their own on screen: every text comes from the catalogues', () => {
    const dir = join(repoRoot, 'console', 'app', 'src');
    const files = ['main.tsx', 'components.tsx', ...readdirSync(join(dir, 'pages')).map((name) => join('pages', name))];
    // Words between tags, and in attributes people read or hear; code and the product's name are not words to translate.
    const allowed = new Set(['samgraf', 'sgk_', 'samgraf audit verify']);
    const found = files.flatMap((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      // (One line, and not code: `useState<A>(x); useRef<B>` has a `>…<` too.)
      const between = [...text.matchAll(/>([^<>{}\n;=&|]*[A-Za-zÅÄÖåäö][^<>{}\n;=&|]*)</g)].map((m) => m[1]!.trim()).filter((words) => !/^\(/.test(words));
      const attributes = [...text.matchAll(/\b(?:aria-label|placeholder|title|alt)="([^"]*)"/g)].map((m) => m[1]!);
      return [...between, ...attributes].filter((words) => !allowed.has(words)).map((words) => `${file}: ${words}`);
    });
    assert.deepEqual(found, []);
  });
});

describe('the language a visitor gets', () => {
  it('is their stored choice first, then Swedish or English in the browser\'s order of preference, else English', () => {
    const cases: [string | null, string[], Language][] = [
      [null, ['sv-SE', 'sv', 'en-US', 'en'], 'sv'],
      [null, ['sv'], 'sv'],
      [null, ['sv-FI', 'fi', 'en'], 'sv'],
      [null, ['fi-FI', 'sv-FI', 'en'], 'sv'],
      [null, ['en-US', 'en'], 'en'],
      [null, ['en-GB', 'sv-SE'], 'en'],
      [null, ['de-DE', 'de'], 'en'],
      [null, [], 'en'],
      ['en', ['sv-SE', 'sv'], 'en'],
      ['sv', ['en-US'], 'sv'],
      ['klingon', ['sv-SE'], 'sv'],
    ];
    for (const [stored, browser, expected] of cases) assert.equal(preferredLanguage(stored, browser), expected, `${stored} ${browser.join(',')}`);
  });
});

describe('filling in a text', () => {
  it('replaces each placeholder by its value, leaves an unknown one as written, and keeps markup values apart', () => {
    assert.equal(message('sv', 'events.caption', { page: 2 }), 'Händelser i åtkomstloggen som matchar sökningen, nyast först – sida 2');
    assert.equal(message('en', 'app.signedInAs', { who: 'Auditor (IMY)' }), 'Signed in as Auditor (IMY)');
    assert.deepEqual(fill('{a} and {b}', { a: 1 }), [1, ' and ', '{b}']);
    const link = { element: 'a' };
    assert.deepEqual(fill(CATALOGUES.sv['app.notFound.text'], { link }), ['Konsolen har ingen sådan sida. ', link, '.']);
  });
});
