/** Small pieces the pages share. */
import type { ComponentChildren } from 'preact';
import type { Problem } from './problems.js';

/** An error, announced at once by screen readers (role=alert), with a way on when the sign-in is dead. */
export function ProblemAlert({ problem, onSignOut }: { problem: Problem | null; onSignOut?: () => void }) {
  if (!problem) return null;
  return (
    <div class="alert" role="alert" data-code={problem.code}>
      <p>{problem.message}</p>
      {problem.signInAgain && onSignOut && <button type="button" onClick={onSignOut}>Sign in again</button>}
    </div>
  );
}

/** A wide table scrolls inside its own box (reachable by keyboard) instead of widening the page. */
export function TableScroll({ label, children }: { label: string; children: ComponentChildren }) {
  return <div class="table-scroll" role="region" aria-label={label} tabIndex={0}>{children}</div>;
}

export function List({ items, format = (v) => v }: { items: readonly string[] | null | undefined; format?: (value: string) => string }) {
  if (!items || items.length === 0) return <span class="muted">none</span>;
  return <ul class="plain">{items.map((item) => <li key={item}>{format(item)}</li>)}</ul>;
}
