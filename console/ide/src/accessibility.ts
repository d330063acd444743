/**
 * Fixes for gaps in GraphiQL 4's markup that an accessibility check (axe) reports, applied in place as GraphiQL
 * renders (its editors and tabs come and go, so a MutationObserver keeps them fixed):
 * - CodeMirror's hidden textareas, which receive the keyboard, have no label: each gets its editor's name;
 * - the tabs are `li role=tab` elements that contain buttons (interactive inside interactive): they become a
 *   plain list of buttons, the current one marked aria-current;
 * - the editors' scroll areas cannot be reached by keyboard: they get tabindex=0 and a name, so a keyboard user
 *   can scroll a long response.
 */
const EDITORS: readonly [string, string][] = [
  ['.graphiql-query-editor', 'Query editor'],
  ['.graphiql-editor-tool .graphiql-editor:not(.hidden)', 'Variables or headers editor'],
  ['.graphiql-response', 'Response'],
];

function patch(root: HTMLElement): void {
  for (const [selector, name] of EDITORS) {
    for (const editor of root.querySelectorAll<HTMLElement>(selector)) {
      for (const textarea of editor.querySelectorAll('textarea')) if (!textarea.hasAttribute('aria-label')) textarea.setAttribute('aria-label', name);
      // CodeMirror sets tabindex=-1 on its scroller (focus goes to the hidden textarea); 0 lets the keyboard reach it.
      for (const scroller of editor.querySelectorAll('.CodeMirror-scroll')) {
        if (scroller.getAttribute('tabindex') !== '0') {
          scroller.setAttribute('tabindex', '0');
          scroller.setAttribute('role', 'region');
          scroller.setAttribute('aria-label', `${name} (scroll)`);
        }
      }
    }
  }
  for (const textarea of root.querySelectorAll('.CodeMirror textarea:not([aria-label])')) textarea.setAttribute('aria-label', 'Editor');
  for (const scroller of root.querySelectorAll('.CodeMirror-scroll:not([tabindex="0"])')) {
    scroller.setAttribute('tabindex', '0');
    scroller.setAttribute('role', 'region');
    scroller.setAttribute('aria-label', 'Editor (scroll)');
  }
  for (const list of root.querySelectorAll('[role="tablist"]')) list.removeAttribute('role');
  for (const tab of root.querySelectorAll('li[role="tab"]')) {
    const selected = tab.getAttribute('aria-selected') === 'true';
    tab.removeAttribute('role');
    tab.removeAttribute('aria-selected');
    const button = tab.querySelector('button');
    if (button && selected) button.setAttribute('aria-current', 'true');
  }
}

export function keepAccessible(root: HTMLElement): void {
  patch(root);
  new MutationObserver(() => patch(root)).observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['role', 'class'] });
}
