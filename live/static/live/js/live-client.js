// Meydan live client: one websocket, many topics, nothing lost.
// Reconnects with exponential back-off and resubscribes from the last sequence number it saw;
// a gap in sequence numbers, or a heartbeat that reports a newer one, triggers a resubscribe.
// Protocol: docs/protocol.md.

const MAX_BACKOFF_MS = 15000;

export class LiveClient {
  constructor(url = LiveClient.defaultUrl()) {
    this.url = url;
    this.topics = new Map(); // topic -> {since, onEvent, onValue, onReset}
    this.pending = new Map(); // ref -> {resolve, reject}
    this.nextRef = 1;
    this.backoff = 500;
    this.listeners = { open: [], close: [] };
    this.connect();
  }

  static defaultUrl() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}/ws/`;
  }

  on(kind, callback) {
    this.listeners[kind].push(callback);
  }

  get connected() {
    return this.socket && this.socket.readyState === WebSocket.OPEN;
  }

  connect() {
    this.socket = new WebSocket(this.url);
    this.socket.addEventListener("open", () => {
      this.backoff = 500;
      for (const [topic, state] of this.topics) this.sendSubscribe(topic, state.since);
      this.listeners.open.forEach((callback) => callback());
    });
    this.socket.addEventListener("message", (message) => this.receive(message.data));
    this.socket.addEventListener("close", () => {
      for (const { reject } of this.pending.values()) reject({ code: "disconnected" });
      this.pending.clear();
      this.listeners.close.forEach((callback) => callback());
      const delay = this.backoff * (0.75 + Math.random() / 2);
      this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
      setTimeout(() => this.connect(), delay);
    });
  }

  subscribe(topic, since, { onEvent = () => {}, onValue = () => {}, onReset = () => {} } = {}) {
    this.topics.set(topic, { since: Number(since) || 0, onEvent, onValue, onReset });
    if (this.connected) this.sendSubscribe(topic, since);
  }

  sendSubscribe(topic, since) {
    this.socket.send(JSON.stringify({ type: "subscribe", topic, since: Number(since) || 0 }));
  }

  // Sends an action (e.g. comment.post); resolves with its data or rejects with the error frame.
  request(type, fields) {
    if (!this.connected) return Promise.reject({ code: "disconnected" });
    const ref = String(this.nextRef++);
    this.socket.send(JSON.stringify({ type, ref, ...fields }));
    return new Promise((resolve, reject) => this.pending.set(ref, { resolve, reject }));
  }

  receive(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    const state = this.topics.get(frame.topic);
    switch (frame.type) {
      case "event":
        if (!state || frame.seq <= state.since) return;
        if (frame.seq > state.since + 1) {
          this.sendSubscribe(frame.topic, state.since); // a gap: replay from the log
          return;
        }
        state.since = frame.seq;
        state.onEvent(frame.event, frame.data, frame);
        return;
      case "value":
        if (state) state.onValue(frame.event, frame.data, frame);
        return;
      case "reset":
        if (state) {
          state.since = frame.seq;
          state.onReset(frame);
        }
        return;
      case "ping":
        for (const [topic, latest] of Object.entries(frame.topics || {})) {
          const known = this.topics.get(topic);
          if (known && latest > known.since) this.sendSubscribe(topic, known.since);
        }
        return;
      case "ok":
      case "error": {
        const waiting = this.pending.get(String(frame.ref));
        if (waiting) {
          this.pending.delete(String(frame.ref));
          if (frame.type === "ok") waiting.resolve(frame.data);
          else waiting.reject(frame);
        }
        return;
      }
      default:
    }
  }
}
