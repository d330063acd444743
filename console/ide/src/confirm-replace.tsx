/**
 * Asked when a persona is chosen while the query editor holds the user's own query. A modal <dialog>: the
 * browser keeps focus inside it and the page behind it inert, Escape cancels, and focus starts on Cancel — the
 * answer that loses nothing — so Enter or Escape straight away keeps everything as it was.
 */
import { useEffect, useRef } from 'react';

/** `replace`: the persona's credentials and example; `keep`: its credentials, the user's query; `cancel`: neither. */
export type ReplaceAnswer = 'replace' | 'keep' | 'cancel';

export function ConfirmReplace({ persona, onAnswer }: { persona: string; onAnswer(answer: ReplaceAnswer): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const element = dialog.current!;
    if (!element.open) element.showModal();
    cancel.current!.focus();
    return () => element.close();
  }, []);

  return (
    <dialog
      ref={dialog}
      className="ide-confirm"
      aria-labelledby="ide-confirm-title"
      aria-describedby="ide-confirm-text"
      // Escape: the browser's cancel, answered as Cancel (and the dialog is closed by React, not the browser).
      onCancel={(event) => { event.preventDefault(); onAnswer('cancel'); }}
    >
      <h2 id="ide-confirm-title">Switch to {persona}?</h2>
      <p id="ide-confirm-text">
        Replace your edited query with {persona}'s example? The Headers tab changes to {persona}'s credentials unless
        you cancel.
      </p>
      <div className="ide-confirm-buttons">
        <button type="button" onClick={() => onAnswer('replace')}>Replace query</button>
        <button type="button" onClick={() => onAnswer('keep')}>Keep my query</button>
        <button type="button" ref={cancel} onClick={() => onAnswer('cancel')}>Cancel</button>
      </div>
    </dialog>
  );
}
