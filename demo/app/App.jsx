// The demo product's shell: the engine (WASM, in the page), who the visitor is (/api/me), the
// top bar and client-side routing between Canvas (/), Billing (/billing) and Pricing (/pricing).
import { Suspense, createContext, lazy, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { useCreditsEngine } from '@credits/engine/react';
import { api } from './api.js';
import { fmt } from './format.js';
import { CanvasPage } from './CanvasPage.jsx';
import { eventAmounts, eventTitle, useBalanceEvents } from './events.jsx';
// The billing and pricing pages draw charts (recharts, the larger half of the bundle): loaded
// when first opened, so the canvas prices its nodes without waiting for them.
const BillingPage = lazy(() => import('./BillingPage.jsx').then((m) => ({ default: m.BillingPage })));
const PricingPage = lazy(() => import('./PricingPage.jsx').then((m) => ({ default: m.PricingPage })));

const AppContext = createContext(null);
export const useApp = () => useContext(AppContext);

const ROUTES = { '/': 'Canvas', '/billing': 'Billing', '/pricing': 'Pricing' };
const TITLES = { '/': 'Canvas', '/billing': 'Settings · Billing', '/pricing': 'Pricing explorer' };

/** The active payer's balances as the engine takes them. */
export function balancesOf(balance) {
  if (!balance) return null;
  const sub = balance.subscription;
  return { subscription: sub && sub.remaining != null ? sub.remaining : 0, wallet: balance.wallet ?? 0 };
}

export function ErrorNote({ error, onClose }) {
  if (!error) return null;
  return (
    <div className="note note-error" role="alert">
      <span><code>{error.code || 'error'}</code> {error.message}</span>
      {onClose && <button type="button" className="link-button" onClick={onClose} aria-label="Dismiss">✕</button>}
    </div>
  );
}

function usePath() {
  const [path, setPath] = useState(() => window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to) => {
    if (to === window.location.pathname) return;
    window.history.pushState(null, '', to);
    setPath(to);
    window.scrollTo(0, 0);
  }, []);
  return [ROUTES[path] ? path : '/', navigate];
}

function NavLink({ to, path, navigate, children }) {
  return (
    <a href={to} className={path === to ? 'nav-link active' : 'nav-link'} aria-current={path === to ? 'page' : undefined}
      onClick={(e) => {
        if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        navigate(to);
      }}>
      {children}
    </a>
  );
}

function Balance({ kind, balance }) {
  const credits = kind === 'subscription' ? balance?.subscription?.remaining ?? 0 : balance?.wallet ?? 0;
  const sub = balance?.subscription;
  const title = kind === 'subscription'
    ? `Subscription: ${fmt(credits)} of ${fmt(sub?.quota ?? 0)} left this period (${sub?.status ?? 'none'})`
    : `Wallet: ${fmt(credits)} credits, never expire`;
  return (
    <span className={`balance balance-${kind}`} data-balance={kind} data-credits={String(credits)} title={title}>
      <span className="balance-label">{kind === 'subscription' ? 'Subscription' : 'Wallet'}</span>
      <span className="balance-value">{fmt(credits)}</span>
    </span>
  );
}

// The live indicator of balance events, and a toast for a minute's worth of new ones.
function EventsIndicator({ live, toast, onOpen, onDismiss }) {
  return (
    <div className="events-indicator">
      <button type="button" className={live ? 'live-dot live' : 'live-dot'} data-events-live={live ? 'true' : 'false'}
        title={live ? 'Balance events: live' : 'Balance events: reconnecting…'} aria-label={live ? 'Balance events: live' : 'Balance events: reconnecting'} onClick={onOpen}>
        <span aria-hidden="true">●</span> {live ? 'Live' : 'Offline'}
      </button>
      {toast && (
        <div className={`event-toast event-toast-${toast.type}`} role="status" data-event-toast={String(toast.seq)}>
          <button type="button" className="toast-body" onClick={onOpen}>
            <b>{eventTitle(toast)}</b> <span className="toast-payer">{toast.payer}</span>
            <span className="toast-amounts">{eventAmounts(toast)}</span>
          </button>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDismiss}>✕</button>
        </div>
      )}
    </div>
  );
}

function TopBar({ path, navigate }) {
  const { me, login, switchContext, busy, events, toast, setToast } = useApp();
  return (
    <header className="topbar">
      <div className="brand"><span className="brand-mark">◆</span> Martini <span className="brand-sub">credits</span></div>
      <nav className="nav">
        {Object.entries(ROUTES).map(([to, name]) => <NavLink key={to} to={to} path={path} navigate={navigate}>{name}</NavLink>)}
      </nav>
      <div className="topbar-right">
        {me && (
          <>
            <label className="field-inline">
              <span>User</span>
              <select aria-label="User" value={me.user.id} disabled={busy} onChange={(e) => login(e.target.value)}>
                {me.users.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
              </select>
            </label>
            <label className="field-inline">
              <span>Workspace</span>
              <select aria-label="Workspace" value={me.context ?? ''} disabled={busy}
                onChange={(e) => switchContext(e.target.value === '' ? null : e.target.value)}>
                <option value="">Personal</option>
                {me.workspaces.map((w) => <option key={w.id} value={w.id}>{w.name}{w.role === 'admin' ? ' (admin)' : ''}</option>)}
              </select>
            </label>
            <EventsIndicator live={events.live} toast={toast} onOpen={() => { setToast(null); navigate('/billing'); }} onDismiss={() => setToast(null)} />
            <div className="balances" aria-label={`Balances of ${me.payer}`}>
              <Balance kind="subscription" balance={me.balance} />
              <Balance kind="wallet" balance={me.balance} />
            </div>
          </>
        )}
      </div>
    </header>
  );
}

const locateFile = (f) => '/assets/' + f;

export function App() {
  const [path, navigate] = usePath();
  const { engine, error: engineError } = useCreditsEngine({ locateFile });
  const [cardVersion, setCardVersion] = useState(null);
  const [cardError, setCardError] = useState(null);
  const [me, setMe] = useState(null);
  const [meError, setMeError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = `${TITLES[path]} · Martini credits`;
  }, [path]);

  const refreshMe = useCallback(async () => {
    try {
      const m = await api('/api/me');
      setMe(m);
      setMeError(null);
      return m;
    } catch (e) {
      setMeError(e);
      return null;
    }
  }, []);
  useEffect(() => { refreshMe(); }, [refreshMe]);

  // Balance events: new ones raise a toast and re-read the balances (an auto top-up moved them).
  const [toast, setToast] = useState(null);
  const events = useBalanceEvents(me?.user.id, useCallback((fresh) => {
    setToast(fresh.reduce((a, e) => (e.seq > a.seq ? e : a)));
    refreshMe();
  }, [refreshMe]));
  useEffect(() => {
    if (!toast) return undefined;
    const t = setTimeout(() => setToast(null), 8000);
    return () => clearTimeout(t);
  }, [toast]);

  const act = useCallback(async (fn) => {
    setBusy(true);
    try {
      setMe(await fn());
      setMeError(null);
    } catch (e) {
      setMeError(e);
    } finally {
      setBusy(false);
    }
  }, []);
  const login = useCallback((user) => act(() => api('/api/login', { method: 'POST', body: { user } })), [act]);
  const switchContext = useCallback((workspace) => act(() => api('/api/context', { method: 'POST', body: { workspace } })), [act]);

  // The card in force: loaded into the engine when it differs from the one the engine has.
  const loadCard = useCallback(async (force) => {
    if (!engine) return null;
    try {
      const card = await api('/api/rate-card');
      if (force || card.version !== engine.version) {
        const loaded = engine.loadRateCard(card);
        if (!loaded.ok) throw Object.assign(new Error(loaded.errors.map((e) => `${e.path} ${e.message}`).join('; ')), { code: 'invalid_rate_card' });
      }
      setCardVersion(engine.version);
      setCardError(null);
      return engine.version;
    } catch (e) {
      setCardVersion(engine.version);
      setCardError(e);
      return null;
    }
  }, [engine]);
  useEffect(() => { if (engine) loadCard(false); }, [engine, loadCard]);

  const value = useMemo(() => ({ engine, cardVersion, me, refreshMe, setMe, login, switchContext, busy, navigate, loadCard, events, toast, setToast }),
    [engine, cardVersion, me, refreshMe, login, switchContext, busy, navigate, loadCard, events, toast]);

  let body;
  if (engineError) body = <div className="page"><ErrorNote error={{ code: 'engine', message: `The pricing engine could not start: ${engineError.message}` }} /></div>;
  else if (!engine || cardVersion === null) body = <div className="page loading">Loading the pricing engine…</div>;
  else if (path === '/billing') body = <BillingPage />;
  else if (path === '/pricing') body = <PricingPage />;
  else body = <CanvasPage />;

  return (
    <AppContext.Provider value={value}>
      <div className="app">
        <TopBar path={path} navigate={navigate} />
        {(meError || cardError) && (
          <div className="banner-row">
            <ErrorNote error={meError} onClose={() => setMeError(null)} />
            {cardError && <ErrorNote error={{ code: cardError.code || 'rate_card', message: `The rate card in force could not be loaded: ${cardError.message}` }} onClose={() => setCardError(null)} />}
          </div>
        )}
        <Suspense fallback={<div className="page loading">Loading…</div>}>{body}</Suspense>
      </div>
    </AppContext.Provider>
  );
}
