/* What the inbox knows about the signed-in agent and the open conversation. Other modules
 * read these bindings live; only the setters below replace them. */

export var FINAL = { resolved: true, abandoned: true };

export let me = null;                   // agent object from /api/v1/inbox/
export var unread = new Map();          // conversation id -> count
export let openId = null;
export let current = null;              // the open conversation's packet C

export function setMe(value) { me = value; }
export function setOpenId(value) { openId = value; }
export function setCurrent(value) { current = value; }

export function myId() { return me ? String(me.id) : null; }
export function isMine(c) { return !!(c && me && c.status === 'assigned' && c.agent_id !== null && c.agent_id !== undefined && String(c.agent_id) === myId()); }
