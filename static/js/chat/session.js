/* The conversation this tab is in. It is kept in localStorage so that a reload, or the
 * customer coming back later, resumes it instead of starting over. Other modules read these
 * bindings live; only the setters below replace them. */

export var STORE_KEY = 'helpdesk.chat.v1';
export var PROFILE_KEY = 'helpdesk.chat.profile.v1';

export let conv = null;              // {id, token, ws_url, lastSeq, outbox: [{client_msg_id, body}]}
export let state = { status: null, queue: null, agent_name: null, position: null, eta: null };
export let ended = false;

export function setConv(value) { conv = value; }
export function setState(value) { state = value; }
export function setEndedFlag(value) { ended = value; }

export function readJSON(key) {
  try { var raw = window.localStorage.getItem(key); return raw ? JSON.parse(raw) : null; }
  catch (e) { return null; }
}
export function writeJSON(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, JSON.stringify(value));
  } catch (e) { /* private mode or full: the chat still works, it just won't resume */ }
}
export function save() { writeJSON(STORE_KEY, conv); }
