// One EventSource for the whole UI: the host says which topics changed (runs, events, ticks,
// instigators, backfills, locations) and each open page refetches what it shows.

const listeners = new Set();
let source = null;

function connect() {
  source = new EventSource("/api/feed");
  const dot = document.getElementById("live");
  source.addEventListener("hello", () => dot && dot.classList.add("on"));
  source.addEventListener("change", (message) => {
    const change = JSON.parse(message.data);
    for (const listener of [...listeners]) {
      if (listener.topics.some((t) => change.changed.includes(t))) listener.schedule(change);
    }
  });
  source.onerror = () => {
    if (dot) dot.classList.remove("on");
    // A dropped connection is retried by the browser; a refused one (503: the host's cap on live
    // views) closes the source for good, so try again as the host's Retry-After says.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 5000);
  };
}

// Call fn (at most every `wait` ms) when any of the topics changes; returns the unsubscribe function.
export function onChange(topics, fn, wait = 250) {
  if (!source) connect();
  let timer = null;
  let running = false;
  let again = false;
  const listener = {
    topics,
    schedule(change) {
      if (timer) return;
      timer = setTimeout(async () => {
        timer = null;
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          await fn(change);
        } catch (error) {
          console.warn("refresh failed", error);
        } finally {
          running = false;
          if (again) {
            again = false;
            listener.schedule(change);
          }
        }
      }, wait);
    },
  };
  listeners.add(listener);
  return () => {
    clearTimeout(timer);
    listeners.delete(listener);
  };
}
