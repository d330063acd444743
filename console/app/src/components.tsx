/** Small pieces the pages share. */
import type { ComponentChildren } from 'preact';
import { t, type Language } from './i18n/index.js';
import { message } from './i18n/messages.js';
import type { Problem } from './problems.js';

/** An error, announced at once by screen readers (role=alert), with a way on when the sign-in is dead. */
export function ProblemAlert({ problem, onSignOut }: { problem: Problem | null; onSignOut?: () => void }) {
  if (!problem) return null;
  return (
    <div class="alert" role="alert" data-code={problem.code}>
      <p>{problem.message()}</p>
      {problem.signInAgain && onSignOut && <button type="button" onClick={onSignOut}>{t('common.signInAgain')}</button>}
    </div>
  );
}

/** A wide table scrolls inside its own box (reachable by keyboard) instead of widening the page. */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return <div class="table-scroll" role="region" aria-label={t('common.tableScrolls', { table: label })} tabIndex={0}>{children}</div>;
}

export function List({ items, format = (v) => v }: { items: readonly string[] | null | undefined; format?: (value: string) => string }) {
  if (!items || items.length === 0) return <span class="muted">{t('common.none')}</span>;
  return <ul class="plain">{items.map((item) => <li key={item}>{format(item)}</li>)}</ul>;
}

/** An ISO instant as a `<time>`: shown as people read it, with the exact instant for machines. */
export function Time({ at, format }: { at: string | null | undefined; format: (iso: string | null | undefined) => string }) {
  return at ? <time dateTime={at}>{format(at)}</time> : null;
}

/** The language switch: names the other language in that language (and says so in `lang`). */
export function LanguageSwitch({ current, onChoose }: { current: Language; onChoose(language: Language): void }) {
  const other: Language = current === 'sv' ? 'en' : 'sv';
  return (
    <button type="button" class="secondary language-switch" lang={other} onClick={() => onChoose(other)}>
      {message(other, 'language.name')}
    </button>
  );
}

/** A code from the API in words, with the code itself beside it (what an auditor searches for); the code alone when there are no words. */
export function CodeAndName({ code, name }: { code: string; name: string }) {
  return name === code ? <span class="mono">{code}</span> : <>{name} <span class="muted">(<span class="mono">{code}</span>)</span></>;
}
