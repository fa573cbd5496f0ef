// A confirmation dialog for actions that change what runs live: what happens, an optional reason, Confirm or Cancel.
import { h } from './dom.js';

/**
 * Shows a modal dialog; resolves to null when cancelled, else {reason} (the reason text, '' when none is asked).
 * title: the question; detail: what the action does; confirm: the confirm button's text; reason: null (none), 'optional'
 * or 'required' (Confirm stays disabled until one is entered).
 */
export function confirmAction({ title, detail, confirm = 'Confirm', reason = null, danger = false }) {
  document.getElementById('confirm-dialog')?.remove();
  return new Promise((resolve) => {
    const reasonInput = reason ? h('input#confirm-reason', { type: 'text', placeholder: reason === 'required' ? 'reason (required)' : 'reason (optional)', 'aria-label': 'reason' }) : null;
    const ok = h(`button${danger ? '.danger' : ''}#confirm-ok`, { type: 'submit', disabled: reason === 'required' }, confirm);
    const cancel = h('button.secondary#confirm-cancel', { type: 'button' }, 'Cancel');
    const form = h('form', { method: 'dialog' }, h('h3', title), detail ? h('p', detail) : null, reasonInput, h('div.row.dialog-buttons', ok, cancel));
    const dialog = h('dialog#confirm-dialog', { 'aria-labelledby': 'confirm-title' }, form);
    form.querySelector('h3').id = 'confirm-title';
    let result = null;
    reasonInput?.addEventListener('input', () => { ok.disabled = reason === 'required' && !reasonInput.value.trim(); });
    form.addEventListener('submit', (e) => { e.preventDefault(); result = { reason: reasonInput?.value.trim() ?? '' }; dialog.close(); });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => { dialog.remove(); resolve(result); });
    document.body.append(dialog);
    dialog.showModal();
    (reasonInput ?? ok).focus();
  });
}
