// Balance events (SPEC §11) in the page: one long poll per page to the backend's /api/events
// (the visitor's payers only), the list the Billing page shows, and the words for each event.
import { useEffect, useRef, useState } from 'react';
import { api } from './api.js';
import { fmt } from './format.js';

const WAIT_S = 25;
const KEEP = 100;

export const EVENT_WORDS = {
  balance_low: 'Low balance',
  balance_recovered: 'Recovered',
  top_up_requested: 'Top-up requested',
};

/** "Low balance", "Recovered", "Top-up requested / fulfilled" (or pending, refused). */
export function eventTitle(e) {
  const words = EVENT_WORDS[e.type] || e.type;
  if (e.type !== 'top_up_requested') return words;
  const f = e.fulfilled;
  if (!f) return `${words} / pending`;
  if (f.error) return `${words} / refused`;
  return `${words} / fulfilled`;
}

/** The amounts of an event, in words. */
export function eventAmounts(e) {
  if (e.type === 'balance_low') return `${fmt(e.available)} available, below ${fmt(e.below)}`;
  if (e.type === 'balance_recovered') return `${fmt(e.available)} available, back at or above ${fmt(e.below)}`;
  if (e.type === 'top_up_requested') {
    const f = e.fulfilled;
    const head = `+${fmt(e.credits)} to reach ${fmt(e.to)} (${fmt(e.available)} available, below ${fmt(e.below)})`;
    if (f?.error) return `${head}: ${f.error.code}`;
    return f ? `${head}, card charged by ${f.by}` : head;
  }
  return '';
}

/**
 * The visitor's balance events, newest first, kept live by a long poll. `onNew(events)` is
 * called with the events that arrived after the first look (not with the first look's).
 */
export function useBalanceEvents(userId, onNew) {
  const [state, setState] = useState({ events: [], live: false, error: null });
  const onNewRef = useRef(onNew);
  onNewRef.current = onNew;
  useEffect(() => {
    if (!userId) return undefined;
    const ctrl = new AbortController();
    let stopped = false;
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const merge = (old, fresh) => {
      const bySeq = new Map(old.map((e) => [e.seq, e]));
      for (const e of fresh) bySeq.set(e.seq, e);
      return [...bySeq.values()].sort((a, b) => b.seq - a.seq).slice(0, KEEP);
    };
    setState({ events: [], live: false, error: null });
    (async () => {
      let after = null;
      let backoff = 500;
      while (!stopped) {
        try {
          if (after === null) {
            const r = await api('/api/events', { signal: ctrl.signal });
            after = r.last_seq;
            setState({ events: r.events, live: true, error: null });
          } else {
            const r = await api(`/api/events?after=${after}&wait_s=${WAIT_S}`, { signal: ctrl.signal });
            if (stopped) break;
            const seqs = r.events.map((e) => e.seq);
            // A full page: go on from its last event; else from the log's end.
            after = r.events.length >= 100 ? Math.max(...seqs) : Math.max(after, r.last_seq ?? 0, ...seqs);
            setState((s) => ({ events: merge(s.events, r.events), live: true, error: null }));
            if (r.events.length) onNewRef.current?.(r.events);
          }
          backoff = 500;
        } catch (e) {
          if (stopped || e.code === 'aborted') break;
          setState((s) => ({ ...s, live: false, error: e }));
          await sleep(backoff);
          backoff = Math.min(10_000, backoff * 2);
        }
      }
    })();
    return () => {
      stopped = true;
      ctrl.abort();
    };
  }, [userId]);
  return state;
}
