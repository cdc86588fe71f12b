// The demo backend's API (demo/API.md). Every failure becomes an ApiError carrying the server's
// {code, message, path}, so pages can show it as it was said.
export class ApiError extends Error {
  constructor(error, status) {
    super(error.message || error.code);
    this.code = error.code || 'error';
    this.path = error.path || '';
    this.errors = Array.isArray(error.errors) ? error.errors : []; // an invalid rate card's every problem
    this.status = status;
  }
}

export async function api(path, { method = 'GET', body, signal } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      signal,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (signal?.aborted) throw new ApiError({ code: 'aborted', message: `${method} ${path}: aborted` });
    throw new ApiError({ code: 'network', message: `${method} ${path}: the demo backend cannot be reached (${e.message})` });
  }
  let text;
  try {
    text = await res.text();
  } catch (e) {
    throw new ApiError({ code: signal?.aborted ? 'aborted' : 'network', message: `${method} ${path}: ${e.message}` });
  }
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ApiError({ code: `http_${res.status}`, message: `${method} ${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 120)}` }, res.status);
  }
  if (!res.ok || (data && data.ok === false)) {
    throw new ApiError(data && data.error ? data.error : { code: `http_${res.status}`, message: `${method} ${path}: HTTP ${res.status}` }, res.status);
  }
  return data;
}

/**
 * POSTs a run and calls onEvent for each NDJSON line as it arrives. Resolves when the stream
 * ends. A request the backend refuses before streaming (a plain JSON error) throws an ApiError.
 */
export async function streamRun(body, onEvent) {
  let res;
  try {
    res = await fetch('/api/runs', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError({ code: 'network', message: `POST /api/runs: the demo backend cannot be reached (${e.message})` });
  }
  const type = res.headers.get('content-type') || '';
  if (!type.includes('ndjson')) {
    const text = await res.text();
    let error = { code: `http_${res.status}`, message: `POST /api/runs: HTTP ${res.status}: ${text.slice(0, 200)}` };
    try {
      const data = JSON.parse(text);
      if (data && data.error) error = data.error;
    } catch { /* not JSON: keep the text */ }
    throw new ApiError(error, res.status);
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  const flush = (line) => {
    const t = line.trim();
    if (!t) return;
    let event;
    try {
      event = JSON.parse(t);
    } catch {
      event = { type: 'garbled', text: t };
    }
    onEvent(event);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      flush(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  }
  buffered += decoder.decode();
  flush(buffered);
}
