// Running a graph (POST /api/runs, demo/API.md "A run"): first the run's whole budget is reserved
// (the credit server plans the graph and holds its maximum, SPEC §11), so a run never stops
// halfway for credits; then the nodes in the page's order, one after another. For each: bind its
// inputs to what upstream really produced, charge it from the reservation at the price the page
// showed (re-quoted by the credit server when binding changed it), call the simulated provider,
// then settle (`complete`, with the actual usage for a ranged charge) or refund (`fail`). At the
// end what the run did not spend is released. The backend prices nothing: every figure comes
// from the credit server.
import { randomUUID } from 'node:crypto';
import { decide, outputsOf, prng, seedOf } from './provider.js';

const PROVIDERS = ['reliable', 'flaky', 'down'];
const isCredits = (v) => Number.isSafeInteger(v) && v >= 0;

/** The request's problem as {code, message, path}, or null when it can start. */
export function checkRunRequest(body) {
  const bad = (message, path) => ({ code: 'invalid_op', message, path });
  if (!body || typeof body !== 'object' || Array.isArray(body)) return bad('the body is a JSON object: {graph, run, shown, rate_card, provider}', '');
  const nodes = body.graph?.nodes;
  if (!Array.isArray(nodes)) return bad('graph.nodes is an array of nodes', '/graph/nodes');
  const ids = new Map();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (!n || typeof n !== 'object' || typeof n.id !== 'string' || !n.id) return bad('each node has a string id', `/graph/nodes/${i}/id`);
    if (typeof n.model !== 'string') return bad('each node names its model', `/graph/nodes/${i}/model`);
    if (ids.has(n.id)) return bad(`two nodes are called "${n.id}"`, `/graph/nodes/${i}/id`);
    if (n.params !== undefined && (typeof n.params !== 'object' || n.params === null || Array.isArray(n.params)))
      return bad('params is an object', `/graph/nodes/${i}/params`);
    if (n.inputs !== undefined && (typeof n.inputs !== 'object' || n.inputs === null || Array.isArray(n.inputs)))
      return bad('inputs is an object {port: node id}', `/graph/nodes/${i}/inputs`);
    ids.set(n.id, n);
  }
  if (!Array.isArray(body.run) || body.run.length === 0) return bad('run lists the ids of the nodes to run, in order', '/run');
  const seen = new Set();
  for (let i = 0; i < body.run.length; i++) {
    const id = body.run[i];
    const n = ids.get(id);
    if (!n) return bad(`run names "${id}", which is not a node of the graph`, `/run/${i}`);
    if (n.skip) return bad(`"${id}" is skipped (cached): it does not run`, `/run/${i}`);
    if (seen.has(id)) return bad(`"${id}" is listed twice`, `/run/${i}`);
    seen.add(id);
    const s = body.shown?.[id];
    if (!s || !isCredits(s.min) || !isCredits(s.max) || s.min > s.max)
      return bad(`shown["${id}"] is the price the page showed: {min, max}, whole credits`, `/shown/${id}`);
  }
  if (typeof body.rate_card !== 'string' || !body.rate_card) return bad('rate_card is the version the page priced with', '/rate_card');
  if (body.provider !== undefined && !PROVIDERS.includes(body.provider))
    return bad(`provider is one of ${PROVIDERS.join(', ')}`, '/provider');
  return null;
}

/**
 * Runs the request for `user`, calling `emit(event)` for each event as it happens. Resolves when
 * the run is over (after the `end` event). Only an unreachable credit server rejects.
 */
export async function runGraph({ client, directory, provider, user, body, emit }) {
  const runId = randomUUID();
  const mode = body.provider ?? 'flaky';
  const nodes = new Map(body.graph.nodes.map((n) => [n.id, n]));
  const cardRes = await client.rateCard();
  if (cardRes.status !== 200) {
    emit({ type: 'error', error: cardRes.json.error });
    return;
  }
  const models = new Map(cardRes.json.models.map((m) => [m.id, m]));
  let payer = directory.payerOf(user);
  emit({ type: 'start', payer, nodes: body.run.length });
  // The budget: the nodes that run, the others marked skipped so the hold covers only this run.
  const running = new Set(body.run);
  const graph = { nodes: body.graph.nodes.map((n) => (running.has(n.id) ? n : { ...n, skip: true })) };
  const reservation = `run-${runId}`;
  const held = await client.reserve({ user, key: reservation, graph, rate_card: body.rate_card });
  if (held.status !== 200 || held.json.ok !== true) {
    // Nothing was charged: every node is refused with the reason the budget could not be held.
    emit({ type: 'reservation', ok: false, error: held.json.error });
    for (const id of body.run)
      emit({ type: 'node', id, status: 'refused', error: held.json.error, message: 'the run did not start: its budget could not be reserved' });
    const bal = await client.balance(payer, user);
    emit({ type: 'end', payer, charged: 0, refunded: 0, balance: bal.json });
    return;
  }
  payer = held.json.payer;
  emit({ type: 'reservation', ok: true, reservation: held.json });

  // What each node produced: a run node once it is done; a skipped (cached) node computed from
  // its params the same way, on demand.
  const produced = new Map();
  const outputsOf_ = (id, seen = new Set()) => {
    if (produced.has(id)) return produced.get(id);
    const n = nodes.get(id);
    if (!n || !n.skip || seen.has(id)) return null;
    seen.add(id);
    const model = models.get(n.model);
    if (!model) return null;
    const b = bind(n, model, (up) => outputsOf_(up, seen));
    if (b.missing) return null;
    const out = outputsOf(model, b.params, decide(model, b.params, prng(seedOf(`cached/${id}`))));
    produced.set(id, out);
    return out;
  };

  let charged = 0;
  let refunded = 0;
  let stopped = null;
  for (const id of body.run) {
    const node = nodes.get(id);
    const ev = (status, fields) => emit({ type: 'node', id, status, ...fields });
    if (stopped) {
      ev('blocked', { message: `the run stopped at ${stopped}` });
      continue;
    }
    const model = models.get(node.model);
    // An unknown model is the server's to refuse (unknown_model), as any other charge.
    const b = model ? bind(node, model, (up) => outputsOf_(up)) : { params: { ...(node.params || {}) }, bound: [] };
    if (b.missing) {
      ev('blocked', { message: `${b.missing} did not produce its output` });
      continue;
    }
    ev('running');
    const charged_node = { id, model: node.model, params: b.params };
    const shown = body.shown[id];
    let quoted = shown.min === shown.max ? shown.min : { min: shown.min, max: shown.max };
    if (b.bound.length) {
      // Bound to what upstream actually produced: the server says what that costs now.
      const q = await client.quote(charged_node);
      if (q.status !== 200 || q.json.ok !== true) {
        ev('refused', { error: q.json.error });
        continue;
      }
      if (q.json.min !== shown.min || q.json.max !== shown.max) {
        ev('repriced', { quote: q.json });
        quoted = q.json.exact ? q.json.credits : { min: q.json.min, max: q.json.max };
      }
    }
    const key = `run-${runId}-${id}`;
    const c = await client.charge({ user, key, node: charged_node, quoted, rate_card: body.rate_card, reservation });
    if (c.status !== 200 || c.json.ok !== true) {
      ev('refused', { error: c.json.error });
      if (c.json.error?.code === 'stale_rate_card') stopped = `${id}: ${c.json.error.message}`;
      continue;
    }
    payer = c.json.payer;
    ev('charged', { charge: c.json });

    await provider.wait();
    if (provider.fails(mode)) {
      const f = await client.fail(key);
      if (f.status === 200 && f.json.ok) refunded += f.json.refunded;
      ev('failed', {
        credits: 0,
        refund: f.json,
        message: 'the provider returned an error (simulated)',
        ...(f.json.ok ? {} : { error: f.json.error }),
      });
      continue;
    }
    const actual = model ? decide(model, b.params, prng(seedOf(key))) : {};
    const usage = c.json.exact === false ? actual : undefined;
    const done = await client.complete(key, usage);
    if (done.status !== 200 || !done.json.ok) {
      // Settling was refused (should not happen): do not leave the credits held.
      const f = await client.fail(key);
      if (f.status === 200 && f.json.ok) refunded += f.json.refunded;
      ev('failed', { credits: 0, refund: f.json, error: done.json.error, message: 'the charge could not be settled, so it was refunded' });
      continue;
    }
    const output = model ? outputsOf(model, b.params, actual) : {};
    produced.set(id, output);
    charged += done.json.credits;
    ev('done', { credits: done.json.credits, output, settled: done.json, ...(usage ? { usage } : {}) });
  }
  const rel = await client.release(reservation);
  emit({ type: 'released', release: rel.json });
  const bal = await client.balance(payer, user);
  emit({ type: 'end', payer, charged, refunded, released: rel.json.ok ? rel.json.released : 0, balance: bal.json });
}

/**
 * The node's params with its input ports bound to upstream outputs (a param the node sets
 * itself is kept: it overrides the binding, as in a plan). `outputs(id)` gives an upstream
 * node's outputs or null. Returns {params, bound: [param names]} or {missing: upstream id}.
 */
function bind(node, model, outputs) {
  const params = { ...(node.params || {}) };
  const bound = [];
  for (const [port, upstream] of Object.entries(node.inputs || {})) {
    for (const [name, spec] of Object.entries(model.params || {})) {
      if (spec.input?.port !== port || params[name] !== undefined) continue;
      const out = outputs(upstream);
      if (!out) return { missing: upstream };
      const v = out[spec.input.output];
      if (v === undefined) return { missing: upstream };
      params[name] = v;
      bound.push(name);
    }
  }
  return { params, bound };
}
