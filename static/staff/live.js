// The dashboard's one WebSocket on the `staff` channel: every event-log row as it commits, and
// `stats` frames every 5 s. On reconnect the owner pages /api/staff/events from the last id it saw.

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15000;

export class StaffLive {
  constructor({ onEvent, onStats, onState, onReconnect }) {
    this.handlers = { onEvent, onStats, onState, onReconnect };
    this.attempt = 0;
    this.connectedOnce = false;
    this.socket = null;
    this.stopped = false;
  }

  start() {
    this._connect();
    return this;
  }

  stop() {
    this.stopped = true;
    if (this.socket) this.socket.close(1000);
  }

  _state(state) {
    if (this.handlers.onState) this.handlers.onState(state);
  }

  _connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    this.socket = socket;
    this._state("connecting");
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ op: "subscribe", channel: "staff" }));
    });
    socket.addEventListener("message", (message) => {
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      if (frame.type === "subscribed" && frame.channel === "staff") {
        this.attempt = 0;
        this._state("live");
        if (this.connectedOnce && this.handlers.onReconnect) this.handlers.onReconnect();
        this.connectedOnce = true;
      } else if (frame.type === "event" && frame.channel === "staff") {
        this.handlers.onEvent(frame.data.event, frame.event);
      } else if (frame.type === "stats") {
        this.handlers.onStats(frame.data);
      } else if (frame.type === "error" && frame.channel === "staff") {
        this._state("denied");
        this.stopped = true;
        socket.close(1000);
      }
    });
    socket.addEventListener("close", () => {
      if (this.stopped) return;
      this._state("reconnecting");
      // Exponential back-off with full jitter, so a restarted server is not hit by every tab at once.
      const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
      this.attempt += 1;
      setTimeout(() => this._connect(), Math.random() * ceiling + 100);
    });
  }
}
