/* The reconnecting websocket of the chat page and the inbox (docs/protocol.md §3.3, §4.1).
 *
 * One copy on purpose: the two pages had each their own, and they had started to differ.
 * What stays with each page is what it must do after a (re)connect, because only the page
 * knows what it may have missed: the chat asks for `after=<last seq>` and reads the state,
 * the inbox reloads its lists over REST (agents get no replay).
 */

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10000;
// Retries wait up to this much longer than the doubling says: clients a daphne dropped all at
// once (code 4012, a restart) do not all come back in the same instant.
const RETRY_JITTER = 0.3;

/* Doubling delays up to a ceiling. The jitter only ever adds, so no wait is shorter than the
 * plain doubling. */
export class Backoff {
  constructor(firstMs, maxMs, jitter) {
    this.firstMs = firstMs;
    this.maxMs = maxMs;
    this.jitter = jitter || 0;
    this.delayMs = firstMs;
  }

  /* True until a wait has been taken since the last reset: the first failure of a run. */
  get fresh() { return this.delayMs === this.firstMs; }

  next() {
    const base = this.delayMs;
    this.delayMs = Math.min(base * 2, this.maxMs);
    return base + Math.random() * this.jitter * base;
  }

  reset() { this.delayMs = this.firstMs; }
}

// A page served over https may only open wss: (mixed content), one over plain http has no TLS.
function socketUrl(path) {
  return (location.protocol === 'https:' ? 'wss' : 'ws') + '://' + location.host + path;
}

/* options:
 *   url()            the path to open, asked again at every attempt (the chat's `after=` moves);
 *   banner           the element that says a retry is on its way, hidden while connected;
 *   onOpen()         the socket is open: time to fetch what may have been missed;
 *   onFrame(frame)   every frame that parses as JSON (others are dropped);
 *   onClose(opened)  a close the page did not ask for. Return false, or a promise of false, to
 *                    stay down; anything else retries. `opened` is false when the socket never
 *                    opened: a handshake the server refused (bad token, signed out, foreign
 *                    Origin) reaches the browser as code 1006, exactly like a network failure,
 *                    so close codes cannot tell them apart and the page asks over HTTP.
 */
export class ReconnectingSocket {
  constructor(options) {
    this.options = options;
    this.ws = null;
    this.isOpen = false;
    this.active = false;   // between connect() and close(): the page wants a socket
    this.timer = null;
    this.backoff = new Backoff(RETRY_FIRST_MS, RETRY_MAX_MS, RETRY_JITTER);

    // A socket comes back as soon as it can be useful, not when its backoff happens to end.
    window.addEventListener('online', () => this.reconnectNow());
    window.addEventListener('offline', () => { if (this.active && !this.isOpen) this.showBanner(); });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.reconnectNow();
    });
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    this.active = true;
    if (this.ws) return;
    let socket;
    try { socket = new WebSocket(socketUrl(this.options.url())); }
    catch (e) { this.closed(false); return; }   // never opened: the page checks as for a refusal
    this.ws = socket;
    let opened = false;
    // A socket replaced or closed on purpose may still fire its events: they are ignored.
    socket.onopen = () => {
      if (this.ws !== socket) return;
      opened = true;
      this.isOpen = true;
      this.backoff.reset();
      this.hideBanner();
      if (this.options.onOpen) this.options.onOpen();
    };
    socket.onmessage = (ev) => {
      if (this.ws !== socket) return;
      let frame;
      try { frame = JSON.parse(ev.data); } catch (e) { return; }
      this.options.onFrame(frame);
    };
    socket.onclose = () => {
      if (this.ws !== socket) return;
      this.ws = null;
      this.isOpen = false;
      this.closed(opened);
    };
    socket.onerror = () => { /* onclose follows and decides */ };
  }

  /* Skips the rest of the backoff: the network is back or the tab is looked at again. */
  reconnectNow() {
    if (!this.active || this.ws) return;
    this.connect();
  }

  /* For good, until the next connect(): no retry, no banner. */
  close() {
    this.active = false;
    clearTimeout(this.timer);
    this.timer = null;
    this.hideBanner();
    if (this.ws) {
      const old = this.ws;
      this.ws = null;
      this.isOpen = false;
      try { old.close(1000); } catch (e) { /* already closed */ }
    }
  }

  /* False when the frame could not go (not connected): the caller decides whether to wait for
   * the reconnect or tell the user. */
  send(frame) {
    if (!this.ws || !this.isOpen) return false;
    try { this.ws.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
  }

  closed(opened) {
    const decide = (again) => {
      if (again === false) this.hideBanner();
      else this.retry();
    };
    const answer = this.options.onClose ? this.options.onClose(opened) : true;
    if (answer && typeof answer.then === 'function') answer.then(decide, () => this.retry());
    else decide(answer);
  }

  retry() {
    // While the page's answer was on its way a socket may have been opened (or the page closed
    // this one for good): one socket at a time.
    if (!this.active || this.ws || this.timer) return;
    this.showBanner();
    this.timer = setTimeout(() => { this.timer = null; this.connect(); }, this.backoff.next());
  }

  showBanner() {
    const banner = this.options.banner;
    if (!banner) return;
    const offline = navigator.onLine === false;
    banner.textContent = offline ? 'You\u2019re offline. Reconnecting\u2026' : 'Reconnecting\u2026';
    banner.classList.toggle('is-offline', offline);
    banner.hidden = false;
  }

  hideBanner() {
    if (this.options.banner) this.options.banner.hidden = true;
  }
}
