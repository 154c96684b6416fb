// One way to the API for every face: the page's language, no cache, the session cookie
// of our own origin, JSON in and out (the server takes cookie-borne writes only as JSON:
// CSRF by construction), a problem+json refusal kept with its status.
import { pageLang } from "./locale.js";

export class Offline extends Error {}

function headersFor({ body, raw, method, bearer, accept, headers }) {
  const all = { Accept: accept, "Accept-Language": pageLang(), ...headers };
  if (body !== undefined || raw !== undefined || method !== "GET") all["Content-Type"] = "application/json";
  if (bearer) all.Authorization = `Bearer ${bearer}`;
  return all;
}

// `body` goes as JSON; `raw`, a file already in JSON (a Blob or a string), goes as it is.
async function fetchApi(path, { method = "GET", body, raw, bearer, accept = "application/json", headers = {} } = {}) {
  try {
    return await fetch(path, {
      method,
      headers: headersFor({ body, raw, method, bearer, accept, headers }),
      body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new Offline();
  }
}

// { status, ok, data }: the answer as JSON (null when it is none), refusals included.
export async function call(path, options = {}) {
  const response = await fetchApi(path, options);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  return { status: response.status, ok: response.ok, data };
}

// What a refusal says to a person: its detail, its title, or the HTTP status.
export function problemText(answer) {
  return answer.data?.detail || answer.data?.title || `HTTP ${answer.status}`;
}

export class Refusal extends Error {
  constructor(answer) {
    super(problemText(answer));
    this.status = answer.status;
  }
}

// The answer's JSON, or a Refusal.
export async function json(path, options = {}) {
  const answer = await call(path, options);
  if (!answer.ok) throw new Refusal(answer);
  return answer.data;
}

// The answer's text (an SVG …), or a Refusal.
export async function text(path, options = {}) {
  const response = await fetchApi(path, { accept: "*/*", ...options });
  if (!response.ok) throw new Refusal({ status: response.status, data: null });
  return response.text();
}
