// Random nodes for the parity test and the benchmarks (Node and pages alike: no Node imports).

// A small deterministic PRNG (mulberry32), so random corpora reproduce.
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Random nodes over a card's models: mostly valid values, some invalid, some omitted.
export function randomNodes(models, count, seed) {
  const rnd = prng(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const nodes = [];
  for (let i = 0; i < count; i++) {
    const m = pick(models);
    const params = {};
    for (const [name, spec] of Object.entries(m.params)) {
      const r = rnd();
      if (r < 0.25) continue;  // default, or a range when the run decides it
      if (spec.type === 'bool') params[name] = rnd() < 0.5;
      else if (spec.values) {
        const v = pick(spec.values);
        params[name] = spec.type === 'string' ? v : Number(v);
      } else {
        const lo = Number(spec.min), hi = Number(spec.max);
        let v = lo + rnd() * (hi - lo);
        v = spec.type === 'int' ? Math.round(v) : Math.round(v * 100) / 100;
        if (spec.step) v = lo + Math.round((v - lo) / Number(spec.step)) * Number(spec.step);
        params[name] = v;
      }
      if (r > 0.985) params[name] = pick(['nope', -1, 1e300, 2.5, null, true, 10 ** 16]);
    }
    if (rnd() < 0.01) params.not_a_param = 1;
    const node = { id: `r${i}`, model: rnd() < 0.005 ? 'no-such-model' : m.id, params };
    nodes.push(node);
  }
  return nodes;
}
