// Billing (/billing): the help article's Settings → Billing, for each payer the visitor can read.
import { useCallback, useEffect, useMemo, useState } from 'react';
import {
  ResponsiveContainer, BarChart, Bar, XAxis, YAxis, Tooltip, CartesianGrid, AreaChart, Area, Cell,
} from 'recharts';
import { api } from './api.js';
import { useApp, ErrorNote } from './App.jsx';
import { fmt, fmtWhen, fmtFromNow, dayKey, fmtDay, plural } from './format.js';
import { eventAmounts, eventTitle } from './events.jsx';

const TOPUPS = [500, 1000, 5000];
const BAR = '#4f5bd5';
const PALETTE = ['#4f5bd5', '#0f9d8a', '#e0861a', '#c2417d', '#6b7a90', '#7a4fd5', '#2f8fd8', '#9aa33b'];

function payersOf(me) {
  if (!me) return [];
  return [
    { payer: `user:${me.user.id}`, name: 'Personal', role: null },
    ...me.workspaces.map((w) => ({ payer: `workspace:${w.id}`, name: w.name, role: w.role })),
  ];
}

function SubscriptionCard({ balance }) {
  const sub = balance.subscription || { status: 'none' };
  const remaining = sub.remaining ?? 0;
  const quota = sub.quota ?? 0;
  const pct = quota > 0 ? Math.min(100, Math.round((remaining * 100) / quota)) : 0;
  return (
    <div className="card balance-card">
      <div className="card-label">Subscription <span className={`status status-${sub.status}`}>{sub.status}</span></div>
      <div className="big" data-balance="subscription" data-credits={String(remaining)}>{fmt(remaining)} <span className="unit">credits left</span></div>
      <div className="meter" aria-hidden="true"><div style={{ width: `${pct}%` }} /></div>
      <div className="muted">of a {fmt(quota)}-credit monthly quota{sub.period_start ? ` · period from ${fmtWhen(sub.period_start)}` : ''}</div>
      {sub.resets_at ? (
        <div className="resets" data-resets-at={sub.resets_at}>Resets {fmtWhen(sub.resets_at)} · {fmtFromNow(sub.resets_at)}</div>
      ) : (
        <div className="resets" data-resets-at="">
          {sub.period_end ? `Does not reset (${sub.status}): usable until ${fmtWhen(sub.period_end)} · ${fmtFromNow(sub.period_end)}` : 'No subscription period'}
        </div>
      )}
      <div className="muted small">Unused subscription credits expire at the reset; nothing rolls over.</div>
    </div>
  );
}

// The preset amounts, plus the chosen one when it is not a preset (the forecast's suggestion).
function topUpChoices(amount) {
  return TOPUPS.includes(amount) ? TOPUPS : [...TOPUPS, amount].sort((a, b) => a - b);
}

function WalletCard({ balance, payer, canTopUp, onTopUp, busy, amount, setAmount }) {
  return (
    <div className="card balance-card">
      <div className="card-label">Wallet</div>
      <div className="big" data-balance="wallet" data-credits={String(balance.wallet ?? 0)}>{fmt(balance.wallet ?? 0)} <span className="unit">credits</span></div>
      <div className="muted">Top-ups never expire, and are spent only after the subscription quota is used up.</div>
      <div className="topup">
        <select aria-label="Top-up amount" value={amount} onChange={(e) => setAmount(Number(e.target.value))} disabled={busy}>
          {topUpChoices(amount).map((n) => <option key={n} value={n}>{fmt(n)} credits</option>)}
        </select>
        <button type="button" className="primary" disabled={busy} onClick={() => onTopUp(payer, amount)}>Buy top-up</button>
      </div>
      {!canTopUp && <div className="muted small">Only a workspace admin can top up this workspace.</div>}
    </div>
  );
}

// What one run-out time of the forecast says: a date, or why there is none. The server decides
// (docs/balances.md, "Forecast"); the page only picks the words for its null.
function runOutText(at, forecast, whenNull) {
  if (forecast.burn_per_day === 0) return 'nothing spent this period';
  if (at) return `${fmtWhen(at)} · ${fmtFromNow(at)}`;
  return whenNull;
}

// Why the subscription has no run-out time while something is spent: no subscription, it lasts
// to its reset (active), or it lasts the period it ends with (paused or cancelled).
function subscriptionNullText(forecast, balance) {
  const status = balance.subscription?.status || 'none';
  if (status === 'none') return 'no subscription';
  return forecast.resets_at ? 'lasts to the reset' : 'lasts its period';
}

function walletNullText(forecast) {
  return forecast.resets_at ? 'lasts past the reset' : 'does not run out at this pace';
}

// The forecast in one line, as `credits billing` words it under the balances.
function forecastSentence(forecast, balance) {
  if (forecast.burn_per_day === 0) return 'Nothing spent this period, so nothing runs out at this pace.';
  const until = forecast.resets_at ? 'the reset' : 'the end of the period';
  const sub = forecast.subscription_runs_out_at
    ? `the subscription runs out on ${fmtWhen(forecast.subscription_runs_out_at)}, `
    : (balance.subscription?.status || 'none') === 'none' ? '' : `the subscription ${subscriptionNullText(forecast, balance)}, `;
  const wallet = forecast.wallet_runs_out_at ? `runs out on ${fmtWhen(forecast.wallet_runs_out_at)}` : walletNullText(forecast);
  const topUp = forecast.suggested_top_up > 0 ? `a top-up of ${fmt(forecast.suggested_top_up)} lasts to ${until}` : `no top-up is needed to reach ${until}`;
  return `At this pace (${fmt(forecast.burn_per_day)} a day) ${sub}the wallet ${wallet}; ${topUp}.`;
}

// The forecast (SPEC §12) exactly as the credit server computed it at `forecast.at`; the hooks
// carry its raw fields so a test can hold them against the server's own read.
function ForecastCard({ forecast, balance, canTopUp, onUseTopUp, busy }) {
  const until = forecast.resets_at ? 'the reset' : 'the end of the period';
  const topUp = forecast.suggested_top_up;
  return (
    <div className="card forecast-card" data-forecast={forecast.payer} data-forecast-at={forecast.at}
      data-forecast-burn={String(forecast.burn_per_day)} data-forecast-spent={String(forecast.spent)}
      data-forecast-subscription-runs-out={forecast.subscription_runs_out_at || ''}
      data-forecast-wallet-runs-out={forecast.wallet_runs_out_at || ''}
      data-forecast-topup={String(topUp)}>
      <div className="card-label">Forecast <span className="muted">at this period's pace</span></div>
      <p className="forecast-line">{forecastSentence(forecast, balance)}</p>
      <div className="forecast-grid">
        <div>
          <div className="muted small">Burn</div>
          <div className="forecast-figure">{fmt(forecast.burn_per_day)} <span className="unit">credits a day</span></div>
          <div className="muted small">{fmt(forecast.spent)} spent since {fmtWhen(forecast.period_start)}</div>
        </div>
        <div>
          <div className="muted small">Subscription runs out</div>
          <div className="forecast-when">{runOutText(forecast.subscription_runs_out_at, forecast, subscriptionNullText(forecast, balance))}</div>
        </div>
        <div>
          <div className="muted small">Wallet runs out</div>
          <div className="forecast-when">{runOutText(forecast.wallet_runs_out_at, forecast, walletNullText(forecast))}</div>
        </div>
        <div>
          <div className="muted small">Suggested top-up</div>
          {topUp > 0 ? (
            <>
              <div className="forecast-figure">{fmt(topUp)} <span className="unit">credits to reach {until}</span></div>
              {canTopUp && (
                <button type="button" disabled={busy} onClick={() => onUseTopUp(topUp)}>Use {fmt(topUp)} as the top-up</button>
              )}
            </>
          ) : (
            <div className="forecast-when">none: what is left lasts to {until}</div>
          )}
        </div>
      </div>
    </div>
  );
}

// A number field's value as whole credits: '' is null (remove), anything else must be whole.
function creditsOf(text, name) {
  const t = String(text).trim();
  if (t === '') return { value: null };
  if (!/^\d+$/.test(t)) return { error: { code: 'invalid_input', message: `${name} is whole credits, or empty to remove it` } };
  return { value: Number(t) };
}

// The payer's alert and auto top-up, as the backend last saw the ledger accept them (no read
// of the ledger returns them), with the controls that set them. A refusal (not_admin for a
// workspace member) is shown as the server said it.
function AlertsCard({ payer, settings, available, onSaved }) {
  const [below, setBelow] = useState(settings.alert_below == null ? '' : String(settings.alert_below));
  const [topBelow, setTopBelow] = useState(settings.auto_top_up ? String(settings.auto_top_up.below) : '');
  const [topTo, setTopTo] = useState(settings.auto_top_up ? String(settings.auto_top_up.to) : '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);

  const save = async (route, body, what) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await api(route, { method: 'POST', body: { payer, ...body } });
      setDone(what(r.settings));
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const saveAlert = () => {
    const b = creditsOf(below, 'Alert below');
    if (b.error) return setError(b.error);
    save('/api/alerts', { below: b.value }, (st) => (st.alert_below == null ? 'Alert removed.' : `Alert set: below ${fmt(st.alert_below)} credits.`));
  };
  const saveTopUp = () => {
    const b = creditsOf(topBelow, 'Top up below');
    if (b.error) return setError(b.error);
    const t = creditsOf(topTo, 'Top up to');
    if (t.error) return setError(t.error);
    if (b.value !== null && t.value === null) return setError({ code: 'invalid_input', message: 'Top up to: the credits a top-up brings the balance to' });
    save('/api/auto-top-up', b.value === null ? { below: null } : { below: b.value, to: t.value },
      (st) => (st.auto_top_up ? `Auto top-up set: below ${fmt(st.auto_top_up.below)}, to ${fmt(st.auto_top_up.to)}.` : 'Auto top-up removed.'));
  };
  const auto = settings.auto_top_up;
  return (
    <div className="card alerts-card" data-alerts={payer} data-alert-below={settings.alert_below ?? ''}
      data-auto-top-up-below={auto ? String(auto.below) : ''} data-auto-top-up-to={auto ? String(auto.to) : ''}>
      <h3>Balance alerts</h3>
      <div className="alerts-now">
        <div><span className="muted">Alert</span> <b>{settings.alert_below == null ? 'off' : `below ${fmt(settings.alert_below)}`}</b></div>
        <div><span className="muted">Auto top-up</span> <b>{auto ? `below ${fmt(auto.below)}, to ${fmt(auto.to)}` : 'off'}</b></div>
        <div><span className="muted">Available now</span> <b>{fmt(available)}</b></div>
      </div>
      <form className="alerts-row" onSubmit={(e) => { e.preventDefault(); saveAlert(); }}>
        <label>Alert me below
          <input type="number" min="0" step="1" aria-label="Alert below" value={below} placeholder="off" disabled={busy}
            onChange={(e) => setBelow(e.target.value)} />
          credits</label>
        <button type="submit" className="secondary" disabled={busy}>Save alert</button>
      </form>
      <form className="alerts-row" onSubmit={(e) => { e.preventDefault(); saveTopUp(); }}>
        <label>Auto top-up below
          <input type="number" min="0" step="1" aria-label="Top up below" value={topBelow} placeholder="off" disabled={busy}
            onChange={(e) => setTopBelow(e.target.value)} />
        </label>
        <label>to
          <input type="number" min="1" step="1" aria-label="Top up to" value={topTo} disabled={busy}
            onChange={(e) => setTopTo(e.target.value)} />
          credits</label>
        <button type="submit" className="secondary" disabled={busy}>Save auto top-up</button>
      </form>
      <div className="muted small">An alert notes when the available credits (subscription + wallet) fall below it, and when they are back.
        An auto top-up charges the card on file (simulated) for what brings them back to “to”. Leave a field empty to turn it off.</div>
      {error && <ErrorNote error={error} onClose={() => setError(null)} />}
      {done && <div className="note note-ok" role="status">{done}</div>}
    </div>
  );
}

// The visitor's balance events (every payer they can read), newest first, kept live by the
// page's long poll (App.jsx).
function EventsCard({ events, live, nameOf }) {
  return (
    <div className="card events-card">
      <h3>Events <span className="muted small">{live ? '· live' : '· reconnecting…'}</span></h3>
      {!events.length ? <p className="muted">No balance events yet.</p> : (
        <table className="table events">
          <thead><tr><th>Time (UTC)</th><th>Event</th><th>Payer</th><th>Amounts</th></tr></thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.seq} data-event-seq={String(e.seq)} data-event-type={e.type} data-event-payer={e.payer}>
                <td className="nowrap">{fmtWhen(e.at)}</td>
                <td><span className={`status status-${e.type}`}>{eventTitle(e)}</span></td>
                <td>{nameOf(e.payer)} <code>{e.payer}</code></td>
                <td>{eventAmounts(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function ChartCard({ title, children, empty }) {
  return (
    <div className="card chart-card">
      <h3>{title}</h3>
      {empty ? <p className="muted">{empty}</p> : children}
    </div>
  );
}

const TOP = 10;
function SpendByModel({ rows, labelOf }) {
  // The chart shows the largest ten; the table below lists every model.
  const data = rows.slice(0, TOP).map((r) => ({ name: labelOf(r.model), credits: r.credits, runs: r.runs }));
  return (
    <>
      <ResponsiveContainer width="100%" height={Math.max(120, data.length * 28 + 30)}>
        <BarChart data={data} layout="vertical" margin={{ left: 8, right: 24, top: 4, bottom: 4 }}>
          <CartesianGrid horizontal={false} stroke="#eef0f4" />
          <XAxis type="number" tickFormatter={fmt} fontSize={11} />
          <YAxis type="category" dataKey="name" width={130} fontSize={11} interval={0} />
          <Tooltip formatter={(v) => [`${fmt(v)} credits`, 'Spent']} />
          <Bar dataKey="credits" fill={BAR} radius={[0, 3, 3, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      {rows.length > TOP && <div className="muted small">The ten largest of {fmt(rows.length)} models; all below.</div>}
      <table className="mini-table scroll-table">
        <tbody>
          {rows.map((r) => <tr key={r.model}><td>{labelOf(r.model)}</td><td className="num">{plural(r.runs, 'run')}</td><td className="num"><b>{fmt(r.credits)}</b></td></tr>)}
        </tbody>
      </table>
    </>
  );
}

function SpendByMember({ rows }) {
  return (
    <>
      <ResponsiveContainer width="100%" height={Math.max(110, rows.length * 32 + 30)}>
        <BarChart data={rows} layout="vertical" margin={{ left: 8, right: 24, top: 4, bottom: 4 }}>
          <CartesianGrid horizontal={false} stroke="#eef0f4" />
          <XAxis type="number" tickFormatter={fmt} fontSize={11} />
          <YAxis type="category" dataKey="user" width={60} fontSize={11} />
          <Tooltip formatter={(v) => [`${fmt(v)} credits`, 'Spent']} />
          <Bar dataKey="credits" radius={[0, 3, 3, 0]} isAnimationActive={false}>
            {rows.map((r, i) => <Cell key={r.user} fill={PALETTE[i % PALETTE.length]} />)}
          </Bar>
        </BarChart>
      </ResponsiveContainer>
      <table className="mini-table">
        <tbody>
          {rows.map((r) => <tr key={r.user}><td>{r.user}</td><td className="num">{plural(r.runs, 'run')}</td><td className="num"><b>{fmt(r.credits)}</b></td></tr>)}
        </tbody>
      </table>
    </>
  );
}

// Cumulative spend by day over the period, from the listed generations (refunded ones count 0).
function spendOverPeriod(usage) {
  const start = usage.period?.start || usage.subscription?.period_start;
  const end = usage.period?.end;
  const gens = (usage.generations || []).filter((g) => g.status !== 'refunded' && (!start || g.at >= start));
  if (!gens.length) return [];
  const byDay = new Map();
  for (const g of gens) byDay.set(dayKey(g.at), (byDay.get(dayKey(g.at)) || 0) + g.credits);
  // From the first listed generation of the period (the list holds the most recent ones only).
  const earliest = gens.reduce((a, g) => (g.at < a ? g.at : a), gens[0].at);
  const first = dayKey(earliest);
  const today = dayKey(new Date().toISOString());
  const last = end && dayKey(end) < today ? dayKey(end) : today;
  const out = [];
  let sum = 0;
  for (let d = new Date(first + 'T00:00:00Z'); dayKey(d.toISOString()) <= last && out.length < 62; d.setUTCDate(d.getUTCDate() + 1)) {
    const k = dayKey(d.toISOString());
    sum += byDay.get(k) || 0;
    out.push({ day: fmtDay(k), spent: sum, that: byDay.get(k) || 0 });
  }
  return out;
}

function Generations({ rows, labelOf }) {
  if (!rows.length) return <p className="muted">No generations yet.</p>;
  return (
    <table className="table generations">
      <thead>
        <tr><th>Time (UTC)</th><th>User</th><th>Node</th><th>Model</th><th className="num">Credits</th><th className="num">Subscription · wallet</th><th>Status</th></tr>
      </thead>
      <tbody>
        {rows.map((g) => (
          <tr key={g.key} data-generation={g.key} data-model={g.model} data-credits={String(g.credits)} data-status={g.status}>
            <td className="nowrap">{fmtWhen(g.at)}</td>
            <td>{g.user}</td>
            <td className="mono">{g.node}</td>
            <td>{labelOf(g.model)}</td>
            <td className="num"><b>{fmt(g.credits)}</b></td>
            <td className="num muted">{fmt(g.from_subscription)} · {fmt(g.from_wallet)}{g.status === 'settled' && g.held != null && g.held !== g.credits ? <span className="small"> (held {fmt(g.held)})</span> : null}</td>
            <td><span className={`status status-${g.status}`}>{g.status}</span></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function BillingPage() {
  const { me, engine, refreshMe, events } = useApp();
  const payers = payersOf(me);
  const [chosen, setChosen] = useState(null);
  const payer = chosen && payers.some((p) => p.payer === chosen) ? chosen : me ? me.payer : null;
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(null);
  const [topUpAmount, setTopUpAmount] = useState(1000);

  const load = useCallback(async (p) => {
    if (!p) return;
    try {
      const d = await api(`/api/billing?payer=${encodeURIComponent(p)}`);
      setData(d);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  // Reload when the payer, the visitor or their balances change (a run, a switch, a top-up).
  useEffect(() => { load(payer); }, [payer, load, me]);

  const labelOf = useMemo(() => {
    const m = new Map(engine.modelList.map((x) => [x.id, x.label]));
    return (id) => m.get(id) || id;
  }, [engine]);

  const onTopUp = async (p, credits) => {
    setBusy(true);
    setDone(null);
    try {
      const r = await api('/api/topups', { method: 'POST', body: { payer: p, credits } });
      setDone(`Added ${fmt(credits)} credits to the wallet of ${p}.`);
      setError(null);
      await refreshMe();
      if (r && r.balance) await load(p);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const shown = data && data.payer === payer ? data : null;
  const info = payers.find((p) => p.payer === payer);
  const usage = shown ? shown.usage : null;
  const balance = shown ? shown.balance : null;
  const isWorkspace = payer && payer.startsWith('workspace:');
  const canTopUp = !isWorkspace || Boolean(info && info.role === 'admin');
  const generations = useMemo(() => {
    const g = usage ? [...(usage.generations || [])] : [];
    return g.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  }, [usage]);
  const over = useMemo(() => (usage ? spendOverPeriod(usage) : []), [usage]);

  return (
    <div className="page billing">
      <div className="page-head">
        <div>
          <div className="crumbs">Settings · Billing</div>
          <h1>Billing</h1>
        </div>
        <div className="tabs" role="tablist" aria-label="Payer">
          {payers.map((p) => (
            <button key={p.payer} type="button" role="tab" aria-selected={p.payer === payer} className={p.payer === payer ? 'tab active' : 'tab'} onClick={() => setChosen(p.payer)}>
              {p.name}{p.role ? <span className="muted"> · {p.role}</span> : null}
              {me && me.payer === p.payer && <span className="active-dot" title="Active: the next generation is charged here">active</span>}
            </button>
          ))}
        </div>
      </div>
      {error && <ErrorNote error={error} onClose={() => setError(null)} />}
      {done && <div className="note note-ok" role="status">{done}</div>}
      {!shown ? <p className="muted">{error ? '' : 'Loading…'}</p> : (
        <>
          <div className="muted payer-line">
            {info ? info.name : payer} <code>{payer}</code>{me && me.payer === payer ? ' · the active payer: the next generation draws from here' : ' · not active: switch in the top bar to spend from here'}
          </div>
          <div className="grid-balances">
            <SubscriptionCard balance={balance} />
            <WalletCard balance={balance} payer={payer} busy={busy} onTopUp={onTopUp}
              amount={topUpAmount} setAmount={setTopUpAmount} canTopUp={canTopUp} />
            <div className="card totals-card">
              <div className="card-label">This account, all time</div>
              <table className="mini-table">
                <tbody>
                  <tr><td>Granted by the subscription</td><td className="num">{fmt(balance.totals?.granted)}</td></tr>
                  <tr><td>Topped up</td><td className="num">{fmt(balance.totals?.topped_up)}</td></tr>
                  <tr><td>Spent</td><td className="num">{fmt(balance.totals?.spent)}</td></tr>
                  <tr><td>Refunded</td><td className="num">{fmt(balance.totals?.refunded)}</td></tr>
                  <tr><td>Expired at resets</td><td className="num">{fmt(balance.totals?.expired)}</td></tr>
                  <tr><td><b>Available now</b></td><td className="num"><b>{fmt(balance.available)}</b></td></tr>
                </tbody>
              </table>
              <div className="downloads">
                <a href={`/api/usage.csv?payer=${encodeURIComponent(payer)}`} download>Download usage (CSV)</a>
                <a href={`/api/usage.json?payer=${encodeURIComponent(payer)}`} download>Download usage (JSON)</a>
              </div>
            </div>
          </div>
          <div className="grid-alerts">
            <AlertsCard key={payer} payer={payer} settings={shown.settings} available={balance.available}
              onSaved={() => load(payer)} />
            <EventsCard events={events.events} live={events.live}
              nameOf={(p) => payers.find((x) => x.payer === p)?.name || p} />
          </div>
          <ForecastCard forecast={shown.forecast} balance={balance} busy={busy} canTopUp={canTopUp} onUseTopUp={setTopUpAmount} />
          <div className={isWorkspace ? 'grid-charts grid-charts-3' : 'grid-charts'}>
            <ChartCard title="Spend by model, this period" empty={usage.by_model?.length ? null : 'Nothing spent this period.'}>
              <SpendByModel rows={usage.by_model || []} labelOf={labelOf} />
            </ChartCard>
            {isWorkspace && (
              <ChartCard title="Spend by member, this period" empty={usage.by_member?.length ? null : 'Nothing spent this period.'}>
                <SpendByMember rows={usage.by_member || []} />
              </ChartCard>
            )}
            <ChartCard title="Spend over the period (cumulative)" empty={over.length ? null : 'Nothing spent this period.'}>
              <ResponsiveContainer width="100%" height={220}>
                <AreaChart data={over} margin={{ left: 0, right: 12, top: 8, bottom: 0 }}>
                  <CartesianGrid vertical={false} stroke="#eef0f4" />
                  <XAxis dataKey="day" fontSize={11} minTickGap={24} />
                  <YAxis tickFormatter={fmt} fontSize={11} width={48} />
                  <Tooltip formatter={(v, n, item) => [`${fmt(v)} credits (${fmt(item.payload.that)} that day)`, 'Spent so far']} />
                  <Area type="stepAfter" dataKey="spent" stroke={BAR} fill="#4f5bd533" isAnimationActive={false} />
                </AreaChart>
              </ResponsiveContainer>
              <div className="muted small">Cumulative from the {fmt(generations.length)} most recent generations (refunds count 0){usage.period ? `; period ${fmtWhen(usage.period.start)} – ${fmtWhen(usage.period.end)}` : ''}.</div>
            </ChartCard>
          </div>
          <div className="card">
            <h3>Recent generations</h3>
            <Generations rows={generations} labelOf={labelOf} />
          </div>
        </>
      )}
    </div>
  );
}
