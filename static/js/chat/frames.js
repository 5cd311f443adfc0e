/* What the server says over the socket (docs: shared/spec/chat-protocol.md). */

import { toast } from './page.js';
import { state } from './session.js';
import { addMessage, showTyping } from './transcript.js';
import { TRANSIENT, resendLater } from './outbox.js';
import { applyState, renderStatus, setEnded } from './status.js';
import { showCsat } from './survey.js';

export function handleFrame(f) {
  switch (f && f.type) {
    case 'message':
      addMessage(f.message);
      break;
    case 'handoff':
      applyState({
        status: f.agent_name ? 'assigned' : 'queued', queue: f.queue, agent_name: f.agent_name,
        position: f.position, eta: f.estimated_wait_seconds, agents_online: f.agents_online
      });
      break;
    case 'queue':
      applyState({ position: f.position, eta: f.estimated_wait_seconds, agents_online: f.agents_online });
      break;
    case 'assigned':
      applyState({ status: 'assigned', agent_name: f.agent_name });
      break;
    case 'status':
      applyState({ status: f.status });
      if (f.status === 'bot') { state.queue = null; state.agent_name = null; renderStatus(); }
      break;
    case 'csat_request':
      showCsat();
      break;
    case 'typing':
      if (f.sender === 'bot' || f.sender === 'agent') showTyping(f.sender);
      break;
    case 'error':
      if (f.code === 'conversation_closed') setEnded(f.detail || 'This conversation has ended.');
      else if (TRANSIENT[f.code] && f.client_msg_id) resendLater(f.detail);
      else toast(f.detail || 'Something went wrong. Please try again.', 'error');
      break;
    default:
      break;   // frames this page does not know yet are ignored on purpose
  }
}
