// @ts-check
// One WebSocket per tab carrying every channel the page watches (PROTOCOL.md, "Live updates").
//
// - Reconnects with exponential back-off and full jitter, so a server restart does not see every
//   tab come back in the same millisecond.
// - Sequenced channels (thread:{id}) resume with `since` = the last seq this tab has; frames at or
//   below it are dropped (dedupe by seq); a gap or a `resync` frame hands the channel back to its
//   owner to reload through REST. Close code 1013 (too slow) is treated like a resync.
// - Unsequenced channels (board, staff) call `onReconnect` after a reconnect so the owner reloads.
// - A heartbeat ping notices a half-open socket (a laptop lid closed overnight, a dead Wi-Fi).

const BACKOFF_BASE_MS = 500;
// Long enough not to hammer a server that is down for maintenance, short enough that a reader
// who comes back to the tab is live again within half a minute.
const BACKOFF_CAP_MS = 30_000;
// A socket that stayed open this long is considered healthy: the next failure starts over at BASE.
const STABLE_AFTER_MS = 5_000;
// Proxies commonly drop idle connections after 30-60 s; a ping every 20 s of silence keeps them
// open and tells us when the other side has gone away.
const PING_AFTER_SILENCE_MS = 20_000;
const PONG_TIMEOUT_MS = 8_000;

const CLOSE_TRY_AGAIN_LATER = 1013;

export class Subscription {
  constructor(live, channel, handlers) {
    this.live = live;
    this.channel = channel;
    this.handlers = handlers;
    this.sequenced = channel.startsWith("thread:");
    // The last seq this tab has applied (null: subscribe without since, live events only).
    this.lastSeq = handlers.since ?? null;
    // The history `lastSeq` belongs to (PROTOCOL.md v1.1 "Epoch"): sent back on resume, so a
    // server whose database was restored answers `resync` instead of replaying another history.
    this.epoch = null;
    this.resyncing = false;
    this.everSubscribed = false;
    this.closed = false;
  }

  frame() {
    const frame = { op: "subscribe", channel: this.channel };
    if (this.sequenced && this.lastSeq !== null) {
      frame.since = this.lastSeq;
      if (this.epoch) frame.epoch = this.epoch;
    }
    return frame;
  }

  /** After a REST reload: continue from this seq (the reload's `seq`). */
  resubscribe(since) {
    this.lastSeq = since;
    // `since` now comes from a REST read of the server's current history; its epoch arrives with
    // the next `subscribed`.
    this.epoch = null;
    this.resyncing = false;
    this.live._send(this.frame());
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.live._remove(this);
  }

  _call(name, ...args) {
    const fn = this.handlers[name];
    if (typeof fn === "function") {
      try {
        fn(...args);
      } catch (err) {
        console.error(`live handler ${name} on ${this.channel} failed`, err);
      }
    }
  }

  _resync(reason) {
    if (this.resyncing) return;
    this.resyncing = true;
    this.live.stats.resyncs += 1;
    if (typeof this.handlers.onResync === "function") this._call("onResync", reason);
    else this.resubscribe(this.lastSeq);
  }
}

export class Live extends EventTarget {
  constructor(url) {
    super();
    this.url = url || `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
    this.subs = new Map();
    this.ws = null;
    this.state = "connecting";
    this.stateLog = [{ state: this.state, at: Date.now() }];
    this.attempt = 0;
    this.everOpen = false;
    this.stats = { frames: 0, duplicates: 0, reconnects: 0, resyncs: 0 };
    this._retryTimer = null;
    this._stableTimer = null;
    this._heartbeat = null;
    this._lastFrameAt = 0;
    this._pingSentAt = 0;
    this._resyncAfterReconnect = false;
    this._stopped = false;
    window.addEventListener("offline", () => this._wentOffline());
    window.addEventListener("online", () => this._cameOnline());
    // Back from a sleeping laptop or a background tab: check the socket now rather than in 20 s.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState !== "visible") return;
      if (this.ws && this.ws.readyState === WebSocket.OPEN && !this._pingSentAt) {
        this._pingSentAt = Date.now();
        this._send({ op: "ping" });
      } else if (!this.ws && this._retryTimer) {
        this.attempt = 0;
        this._connect();
      }
    });
  }

  /** For good: a page that may not read its channels (the staff channel refused) stops retrying. */
  stop() {
    this._stopped = true;
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    if (this.ws) {
      const ws = this.ws;
      this._detach(ws);
      ws.close(1000, "stopped");
    }
  }

  start() {
    this._stopped = false;
    if (!this.ws) this._connect();
    return this;
  }

  subscribe(channel, handlers = {}) {
    const existing = this.subs.get(channel);
    if (existing) existing.close();
    const sub = new Subscription(this, channel, handlers);
    this.subs.set(channel, sub);
    this._send(sub.frame());
    return sub;
  }

  /** Debug and test hook: drop the socket as a network failure would, then reconnect. */
  drop() {
    if (this.ws) {
      const ws = this.ws;
      this._detach(ws);
      ws.close(4000, "dropped by the client");
      this._scheduleReconnect(false);
    }
  }

  _setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.stateLog.push({ state, at: Date.now() });
    if (this.stateLog.length > 200) this.stateLog.splice(0, 100);
    this.dispatchEvent(new CustomEvent("state", { detail: state }));
  }

  _connect() {
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    if (this._stopped) return;
    if (navigator.onLine === false) {
      this._setState("offline");
      return;
    }
    this._setState(this.everOpen || this.attempt > 0 ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this._scheduleReconnect(false);
      return;
    }
    this.ws = ws;
    ws.onopen = () => this._opened(ws);
    ws.onmessage = (message) => this._received(message);
    ws.onclose = (event) => this._closed(ws, event);
    ws.onerror = () => {
      // A close event always follows; reconnecting happens there.
    };
  }

  _opened(ws) {
    if (ws !== this.ws) return;
    if (this.everOpen) this.stats.reconnects += 1;
    this.everOpen = true;
    this._lastFrameAt = Date.now();
    this._setState("live");
    this._stableTimer = setTimeout(() => (this.attempt = 0), STABLE_AFTER_MS);
    const resync = this._resyncAfterReconnect;
    this._resyncAfterReconnect = false;
    for (const sub of this.subs.values()) {
      if (resync && sub.sequenced) sub._resync("slow");
      else if (!sub.resyncing) this._send(sub.frame());
    }
    this._heartbeat = setInterval(() => this._beat(), 2_000);
  }

  _beat() {
    const now = Date.now();
    if (this._pingSentAt && now - this._pingSentAt > PONG_TIMEOUT_MS && this._lastFrameAt < this._pingSentAt) {
      // No answer: the connection is gone even if the browser has not noticed.
      this.drop();
      return;
    }
    if (!this._pingSentAt && now - this._lastFrameAt > PING_AFTER_SILENCE_MS) {
      this._pingSentAt = now;
      this._send({ op: "ping" });
    }
  }

  _received(message) {
    this._lastFrameAt = Date.now();
    this._pingSentAt = 0;
    this.stats.frames += 1;
    let frame;
    try {
      frame = JSON.parse(message.data);
    } catch {
      return;
    }
    const sub = frame.channel ? this.subs.get(frame.channel) : null;
    switch (frame.type) {
      case "subscribed":
        if (!sub) return;
        {
          const again = sub.everSubscribed;
          sub.everSubscribed = true;
          if (typeof frame.epoch === "string") sub.epoch = frame.epoch;
          sub._call("onSubscribed", frame);
          // Unsequenced channels cannot resume: after a reconnect their owner reloads what it shows.
          if (again && !sub.sequenced) sub._call("onReconnect");
        }
        return;
      case "event":
        if (!sub || sub.resyncing) return;
        if (sub.sequenced && typeof frame.seq === "number") {
          if (sub.lastSeq !== null && frame.seq <= sub.lastSeq) {
            this.stats.duplicates += 1;
            return;
          }
          if (sub.lastSeq !== null && frame.seq > sub.lastSeq + 1) {
            sub._resync("gap");
            return;
          }
          sub.lastSeq = frame.seq;
        }
        sub._call("onEvent", frame);
        return;
      case "counts":
        if (sub && !sub.resyncing) sub._call("onCounts", frame);
        return;
      case "resync":
        if (sub) sub._resync("server");
        return;
      case "error":
        if (sub) sub._call("onError", frame);
        else console.warn("live error frame", frame.code, frame.message);
        return;
      default:
        if (sub) sub._call("onFrame", frame);
    }
  }

  _closed(ws, event) {
    if (ws !== this.ws) return;
    this._detach(ws);
    if (event.code === CLOSE_TRY_AGAIN_LATER) this._resyncAfterReconnect = true;
    this._scheduleReconnect(event.code === 1012 || event.code === CLOSE_TRY_AGAIN_LATER);
  }

  _detach(ws) {
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    if (ws === this.ws) this.ws = null;
    clearInterval(this._heartbeat);
    clearTimeout(this._stableTimer);
    this._heartbeat = null;
    this._pingSentAt = 0;
  }

  _scheduleReconnect(serverAsked) {
    if (this._stopped || this._retryTimer) return;
    if (navigator.onLine === false) {
      this._setState("offline");
      return;
    }
    this._setState("reconnecting");
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    // "Full jitter" keeps at least a little wait: half fixed, half random.
    let delay = ceiling / 2 + Math.random() * (ceiling / 2);
    // A server that restarts (1012) or sheds load (1013) should not get its clients back at once.
    if (serverAsked) delay = Math.max(delay, 1_000 + Math.random() * 2_000);
    this.attempt += 1;
    this.nextRetryAt = Date.now() + delay;
    this._retryTimer = setTimeout(() => this._connect(), delay);
  }

  _wentOffline() {
    clearTimeout(this._retryTimer);
    this._retryTimer = null;
    if (this.ws) {
      const ws = this.ws;
      this._detach(ws);
      ws.close(4001, "browser offline");
    }
    this._setState("offline");
  }

  _cameOnline() {
    if (this.ws) return;
    this.attempt = 0;
    this._connect();
  }

  _send(frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  _remove(sub) {
    if (this.subs.get(sub.channel) === sub) {
      this.subs.delete(sub.channel);
      this._send({ op: "unsubscribe", channel: sub.channel });
    }
  }
}
