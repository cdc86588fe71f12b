// Display helpers. Credits arrive as whole numbers from the engine or the server; these only
// format them.
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const fmt = (n) => (n == null || n === '' ? '—' : int.format(n));

export function fmtRange(min, max) {
  return min === max ? fmt(max) : `${fmt(min)}–${fmt(max)}`;
}

export const plural = (n, one, many = one + 's') => `${fmt(n)} ${n === 1 ? one : many}`;

const monthDay = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** "Dec 17, 19:00 UTC" */
export function fmtWhen(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${monthDay.format(d)}, ${time.format(d)} UTC`;
}

/** "in 16 days", "in 5 hours", "3 days ago" */
export function fmtFromNow(iso, now = Date.now()) {
  const ms = new Date(iso).getTime() - now;
  if (Number.isNaN(ms)) return '';
  const abs = Math.abs(ms);
  const hour = 3600e3;
  const day = 24 * hour;
  const text = abs >= 2 * day ? `${Math.floor(abs / day)} days` : abs >= 2 * hour ? `${Math.floor(abs / hour)} hours` : `${Math.max(1, Math.floor(abs / 60e3))} minutes`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

export const dayKey = (iso) => String(iso).slice(0, 10);

export function fmtDay(key) {
  const d = new Date(key + 'T00:00:00Z');
  return Number.isNaN(d.getTime()) ? key : monthDay.format(d);
}

export const KIND_LABEL = {
  video: 'Video', image: 'Image', audio: 'Audio', voice: 'Voice', lipsync: 'Lip-sync',
  character: 'Character', transcription: 'Transcription', text: 'Text',
};
export const KIND_ORDER = ['video', 'image', 'audio', 'voice', 'lipsync', 'character', 'transcription', 'text'];
