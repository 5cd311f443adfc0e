/* The agent's presence button, online or away. A presence frame reaches every socket of the
 * agent, so a change made in another tab (or by the server) shows here too. */

import { ui } from './page.js';
import { sendOrWarn } from './connection.js';

export function setPresence(status) {
  ui.presence.setAttribute('data-status', status);
  ui.presence.setAttribute('aria-pressed', status === 'online' ? 'true' : 'false');
  ui.presenceLabel.textContent = status === 'online' ? 'Online' : status === 'away' ? 'Away' : 'Offline';
}

export function wirePresence() {
  ui.presence.addEventListener('click', function () {
    var next = ui.presence.getAttribute('data-status') === 'online' ? 'away' : 'online';
    if (sendOrWarn({ type: 'presence', status: next })) setPresence(next);
  });
}
