// Fetch with the session token; a 401 asks for a sign-in, a 404 on a route that has not landed is "not ready".
const TOKEN_KEY = 'fundtrail.token';

export class ApiError extends Error {
  constructor(status, body, path) {
    super(body?.message_zh && body?.message_en ? `${body.message_zh} / ${body.message_en}` : body?.message ?? `HTTP ${status} ${path}`);
    this.status = status;
    this.body = body;
    this.path = path;
  }
}

/** The route does not exist on this server (an API not built yet), as opposed to a missing record. */
export function isMissingRoute(error) {
  return error instanceof ApiError && error.status === 404 && (!error.body?.error || error.body.error === 'Not Found' || /Cannot (GET|POST)/.test(error.body?.message ?? ''));
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

let onUnauthenticated = () => {};
export function whenUnauthenticated(handler) {
  onUnauthenticated = handler;
}

export async function api(path, options = {}) {
  const headers = { Accept: 'application/json', ...(options.body ? { 'Content-Type': 'application/json' } : {}) };
  const current = token();
  if (current) headers.Authorization = `Bearer ${current}`;
  const response = await fetch(path, { method: options.method ?? 'GET', headers, body: options.body ? JSON.stringify(options.body) : undefined });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = { message: text.slice(0, 200) };
  }
  if (!response.ok) {
    const error = new ApiError(response.status, body, path);
    if (response.status === 401 && !options.quiet401) onUnauthenticated(error);
    throw error;
  }
  return body;
}

let routes;

/** The server's routes from its OpenAPI document ("/api/funds/{fundId}/dwell"), or undefined if it cannot be read. */
function knownRoutes() {
  routes ??= fetch('/docs-json')
    .then((response) => (response.ok ? response.json() : undefined))
    .then((document) => (document?.paths ? Object.keys(document.paths).map((path) => new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`)) : undefined))
    .catch(() => undefined);
  return routes;
}

/** Whether this server has a route for the path (so an API still being built is not even asked). */
export async function hasRoute(path) {
  const known = await knownRoutes();
  if (!known) return true;
  const bare = path.split('?')[0];
  return known.some((pattern) => pattern.test(bare));
}

/** The answer, or { missing: true } when the route is not on this server yet. */
export async function optionalApi(path, options) {
  if (!(await hasRoute(path))) return { missing: true, path };
  try {
    return await api(path, options);
  } catch (error) {
    if (isMissingRoute(error)) return { missing: true, path };
    throw error;
  }
}
