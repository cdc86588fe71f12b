// A plain-JS estimator for the sample card (demo/rate-card.json, version 2026-11-01), written
// the way a canvas hand-writes its price functions: one function per model, JS numbers, the
// card's rates and factors typed in as literals, defaults with `??`, Math.ceil at the end.
// It is the baseline the benchmark measures the WASM engine against; it is not part of the
// package and nothing bills with it.
//
// Each function takes a node's params and returns credits (a number), {min, max} for a price
// the run decides (LLM output tokens), or NaN/undefined when it cannot price the node (an
// unknown table cell, an input-bound length that is not known yet). Like most hand-written
// estimators it validates little: it trusts the canvas UI to send allowed values.

const MP = { '512x512': 0.262144, '1024x576': 0.589824, '576x1024': 0.589824, '1024x768': 0.786432,
  '768x1024': 0.786432, '1024x1024': 1.048576, '1440x1440': 2.0736 };
const SEEDANCE_RES = { '480p': 0.45, '720p': 1, '1080p': 2.25 };
const SPEED = { TURBO: 1, BALANCED: 2, QUALITY: 3 };

function tokens(p, inRate, outRate) {
  const input = p.input_tokens;
  if (input === undefined) return NaN;  // no default: the node must say
  if (p.output_tokens !== undefined) return Math.ceil((input * inRate + p.output_tokens * outRate) / 1e6);
  const maxOut = p.max_output_tokens ?? 4096;
  return { min: Math.ceil((input * inRate) / 1e6), max: Math.ceil((input * inRate + maxOut * outRate) / 1e6) };
}

export const PRICE = {
  // video
  'veo-3': (p) => Math.ceil(20 * (p.duration_s ?? 8) * ((p.generate_audio ?? true) ? 2 : 1)),
  'veo-3-fast': (p) => Math.ceil(10 * (p.duration_s ?? 8) * ((p.generate_audio ?? true) ? 1.5 : 1)),
  'sora-2': (p) => Math.ceil(10 * (p.duration_s ?? 4)),
  'sora-2-pro': (p) => Math.ceil(10 * (p.duration_s ?? 4) * { '720p': 3, '1080p': 5 }[p.resolution ?? '720p']),
  'seedance-1-pro': (p) => Math.ceil(5.4 * (p.duration_s ?? 5) * SEEDANCE_RES[p.resolution ?? '1080p']),
  'seedance-1-lite': (p) => Math.ceil(3.888 * (p.duration_s ?? 5) * SEEDANCE_RES[p.resolution ?? '1080p']),
  'hailuo-02': (p) => {
    const d = p.duration_s ?? 6;
    if ((p.resolution ?? '720p') === '720p') return d <= 6 ? 27 : 45;
    return d <= 6 ? 48 : NaN;  // no 10 s clip at 1080p
  },
  'kling-2-6-pro': (p) => Math.ceil(7 * (p.duration_s ?? 5) * (p.generate_audio ? 2 : 1)),
  'kling-2-5-turbo-pro': (p) => Math.ceil(35 + 7 * Math.max(0, (p.duration_s ?? 5) - 5)),
  'luma-ray-2': (p) => ({
    '540p': { 5: 50, 9: 100 }, '720p': { 5: 100, 9: 200 }, '1080p': { 5: 200, 9: 400 },
  })[p.resolution ?? '720p']?.[p.duration_s ?? 5],
  'runway-gen4-turbo': (p) => Math.ceil(5 * (p.duration_s ?? 10)),
  'runway-gen4-aleph': (p) => (p.duration_s === undefined ? NaN : 15 * Math.ceil(p.duration_s)),
  'wan-2-5': (p) => Math.ceil(5 * (p.duration_s ?? 5) * { '480p': 1, '720p': 2, '1080p': 3 }[p.resolution ?? '1080p']),
  'topaz-video-upscale': (p) => {
    if (p.duration_s === undefined) return NaN;
    const fps = p.fps ?? 30;
    return Math.ceil(2 * Math.ceil(p.duration_s) * ((p.resolution ?? '4k') === '4k' ? 4 : 1) * (fps <= 30 ? 1 : fps <= 60 ? 2 : 4));
  },
  // image
  'flux-1-dev': (p) => Math.ceil(2.5 * (p.num_images ?? 1) * MP[p.size ?? '1024x768']),
  'flux-1-schnell': (p) => Math.ceil(0.3 * (p.num_images ?? 1) * MP[p.size ?? '1024x768']),
  'flux-2-pro': (p) => Math.ceil(3 + 1.5 * Math.ceil(Math.max(0, (p.megapixels ?? 1) - 1)) + 1.5 * (p.reference_images ?? 0)),
  'gpt-image-1': (p) => Math.ceil((p.num_images ?? 1) * { low: 1.1, medium: 4.2, high: 16.7 }[p.quality ?? 'medium'] *
                                  { '1024x1024': 1, '1024x1536': 1.5, '1536x1024': 1.5 }[p.size ?? '1024x1024']),
  'dall-e-3': (p) => ({
    standard: { '1024x1024': 4, '1024x1792': 8, '1792x1024': 8 }, hd: { '1024x1024': 8, '1024x1792': 12, '1792x1024': 12 },
  })[p.quality ?? 'standard']?.[p.size ?? '1024x1024'],
  'ideogram-3': (p) => Math.ceil(3 * (p.num_images ?? 1) * SPEED[p.rendering_speed ?? 'BALANCED']),
  'imagen-4': (p) => Math.ceil(2 * (p.num_images ?? 1) * { fast: 1, standard: 2, ultra: 3 }[p.tier ?? 'standard']),
  'nano-banana': (p) => Math.ceil(3.9 * (p.num_images ?? 1)),
  'topaz-image-upscale': (p) => {
    const mp = p.megapixels;
    if (mp === undefined) return NaN;
    const x4 = (p.scale ?? 2) === 4;
    if (mp <= 1) return x4 ? 8 : 4;
    if (mp <= 4) return x4 ? 16 : 8;
    return x4 ? 32 : 16;
  },
  // audio
  'stable-audio-2-5': () => 20,
  'elevenlabs-music': (p) => 75 * Math.ceil((p.duration_s ?? 60) / 60),
  'mmaudio-sfx': (p) => (p.duration_s === undefined ? NaN : Math.ceil(0.1 * p.duration_s)),
  // voice
  'elevenlabs-v3': (p) => Math.ceil((10 * p.characters) / 1000),
  'elevenlabs-flash': (p) => Math.ceil((5 * p.characters) / 1000),
  'openai-tts': (p) => Math.ceil(((1.5 * p.characters) / 1000) * ((p.quality ?? 'standard') === 'hd' ? 2 : 1)),
  // lip-sync
  'sync-lipsync-2': (p) => (p.duration_s === undefined ? NaN : Math.ceil(5 * p.duration_s * ((p.tier ?? 'lipsync-2') === 'lipsync-2-pro' ? 1.67 : 1))),
  latentsync: () => 20,
  'veed-fabric-1': (p) => (p.duration_s === undefined ? NaN : Math.ceil(8 * p.duration_s * ((p.resolution ?? '480p') === '720p' ? 1.875 : 1))),
  // character
  'ideogram-character': (p) => Math.ceil(5 * (p.num_images ?? 1) * { TURBO: 2, BALANCED: 3, QUALITY: 4 }[p.rendering_speed ?? 'BALANCED']),
  'meshy-3d': (p) => 20 + ((p.texture ?? true) ? 10 : 0) + (p.pbr ? 5 : 0) + (p.topology === 'quad' ? 5 : 0) +
                     ((p.target_polycount ?? 30000) > 100000 ? 5 : 0),
  'runway-act-two': (p) => (p.duration_s === undefined ? NaN : Math.max(15, 5 * Math.ceil(p.duration_s))),
  // transcription
  'whisper-large-v3': (p) => (p.duration_s === undefined ? NaN : Math.ceil(0.6 * Math.ceil(p.duration_s / 60))),
  'gpt-4o-mini-transcribe': (p) => (p.duration_s === undefined ? NaN : Math.ceil(0.3 * Math.ceil(p.duration_s / 60))),
  // text
  'gpt-5': (p) => tokens(p, 125, 1000),
  'gpt-5-mini': (p) => tokens(p, 25, 200),
  'claude-sonnet-4-5': (p) => tokens(p, 300, 1500),
  'gemini-2-5-flash': (p) => tokens(p, 30, 250),
};

const NO_PARAMS = {};

/** One node: {min, max}, or null when the estimator cannot price it. */
export function plainQuote(node) {
  const f = PRICE[node.model];
  if (f === undefined) return null;
  const r = f(node.params ?? NO_PARAMS);
  if (typeof r === 'number') return Number.isFinite(r) ? { min: r, max: r } : null;
  if (r && Number.isFinite(r.min) && Number.isFinite(r.max)) return r;
  return null;
}

/** Many nodes into typed arrays, the shape of engine.priceMany(): {ok, min, max}. */
export function plainPriceMany(nodes) {
  const n = nodes.length;
  const ok = new Uint8Array(n), min = new Float64Array(n), max = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const node = nodes[i];
    const f = PRICE[node.model];
    if (f === undefined) continue;
    const r = f(node.params ?? NO_PARAMS);
    if (typeof r === 'number') {
      if (r === r && r !== Infinity) {
        ok[i] = 1;
        min[i] = r;
        max[i] = r;
      }
    } else if (r && Number.isFinite(r.min) && Number.isFinite(r.max)) {
      ok[i] = 1;
      min[i] = r.min;
      max[i] = r.max;
    }
  }
  return { ok, min, max };
}
