// Compiled by `tsc --noEmit`: the declarations must describe real use of the package.
import createCredits, { compileCredits, type CreditsEngine, type Quote } from '../index.js';
import createInline, { compileCredits as compileInline } from '../inline.js';

async function canvas(): Promise<number> {
  const engine: CreditsEngine = await createCredits();
  const q = engine.quote({ id: 'n1', model: 'veo-3', params: { resolution: '1080p', duration_s: 8 } });
  if (q.ok) {
    const shown: number = q.exact ? q.credits! : q.max;
    const steps: string[] = q.breakdown.map((line) => `${line.label}: ${line.effect}`);
    void steps;
    return shown;
  }
  const code: string = q.error.code;
  void code;
  const plan = engine.plan({ nodes: [{ id: 'v', model: 'veo-3' }, { id: 'l', model: 'sync-lipsync-2', inputs: { video: 'v' } }] },
                           { subscription: 100, wallet: 50 });
  if (plan.ok && plan.projection) return plan.projection.after.wallet;
  const many: Array<Quote | { ok: false }> = engine.quoteMany([{ model: 'veo-3' }]);
  const line: string = engine.quoteText({ model: 'veo-3' });
  void line;
  const numbers = engine.priceMany([{ model: 'veo-3' }]);
  const change = engine.canvas.updateNode({ id: 'v', model: 'veo-3', params: { duration_s: 4 } });
  if (change.ok) return change.total.max + numbers.max[0] + many.length;
  const preview = engine.previewCharge({ subscription: 10, wallet: 5 }, 12);
  return preview.ok ? preview.after.wallet : 0;
}
void canvas;

async function instantiate(): Promise<string> {
  const module: WebAssembly.Module = await compileCredits({ url: '/assets/credits.wasm' });
  const shared: CreditsEngine = await createCredits({ module, rateCard: '{}' });
  const inline: CreditsEngine = await createInline();
  const again = await createInline({ module: await compileInline() });
  return shared.version + inline.version + again.version;
}
void instantiate;
