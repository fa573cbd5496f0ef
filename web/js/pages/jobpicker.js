// A job selector shared by pages: lists /api/jobs, falls back to a text box when the list is empty or unavailable.
import { api } from '../api.js';
import { h, message } from '../dom.js';

export async function jobPicker(selected, onChange) {
  let names = [];
  let note = null;
  try {
    names = (await api('/api/jobs')).map((j) => j.name);
  } catch (e) {
    note = e.message;
  }
  if (names.length === 0) {
    const input = h('input', { type: 'text', id: 'job', placeholder: 'job name', value: selected ?? '' });
    input.addEventListener('change', () => onChange(input.value.trim()));
    return h('span', input, note ? message('error', `The jobs could not be listed: ${note}`) : h('span.muted', ' (no jobs are registered on this host)'));
  }
  const select = h('select', { id: 'job' }, names.map((n) => h('option', { value: n, selected: n === selected }, n)));
  select.addEventListener('change', () => onChange(select.value));
  if (!selected || !names.includes(selected)) queueMicrotask(() => onChange(select.value));
  return select;
}
