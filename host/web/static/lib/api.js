// The browser's calls to the host: the Host API bridge (same methods and messages as gRPC) and the
// UI's own read endpoints. Changes carry the page's CSRF value.

const csrf = document.querySelector('meta[name="weir-csrf"]').content;
export const readOnly = document.querySelector('meta[name="weir-read-only"]').content === "true";

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function parse(response) {
  const text = await response.text();
  let body = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = { error: text.slice(0, 300) };
  }
  if (response.status === 401) {
    location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
  }
  if (!response.ok) throw new ApiError(body.error || `${response.status} ${response.statusText}`, response.status);
  return body;
}

// A Host API method, e.g. rpc("ListRuns", {limit: 50}).
export async function rpc(method, request = {}) {
  const response = await fetch(`/api/rpc/${method}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Weir-CSRF": csrf },
    body: JSON.stringify(request),
    credentials: "same-origin",
  });
  return parse(response);
}

// One of the UI's read endpoints, e.g. get("/api/assets", {location: "sales"}).
export async function get(path, params = {}) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") query.set(k, v);
  const qs = query.toString();
  const response = await fetch(qs ? `${path}?${qs}` : path, { credentials: "same-origin" });
  return parse(response);
}

export async function post(path, body = {}) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Weir-CSRF": csrf },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  return parse(response);
}
