/* The chat widget for a shop's own site: one script tag,
 *
 *   <script src="https://desk.example.com/static/js/widget.js" data-desk="https://desk.example.com" defer></script>
 *
 * adds a launcher bubble that opens the desk's chat page in an iframe (`/chat/?embed=1`). The
 * chat runs on the desk's own origin, under its own CSP and storage, so the host page's scripts
 * cannot read the conversation and this file needs no access to it; the desk allows the frame
 * only on the sites in HELPDESK_EMBED_ORIGINS (CSP frame-ancestors). `data-desk` defaults to
 * this script's own origin; `data-label` names the launcher ("Chat with us").
 *
 * A classic script, not a module, and no inline styles in markup: every style is set through
 * the CSSOM, which a host page's strict style-src allows.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.__helpdeskWidget) return;
  window.__helpdeskWidget = true;

  var desk = (script.getAttribute('data-desk') || new URL(script.src).origin).replace(/\/+$/, '');
  var label = script.getAttribute('data-label') || 'Chat with us';
  var open = false;
  var frame = null;

  function css(node, styles) {
    Object.keys(styles).forEach(function (k) { node.style[k] = styles[k]; });
    return node;
  }

  var launcher = css(document.createElement('button'), {
    position: 'fixed', right: '20px', bottom: '20px', zIndex: '2147483646',
    width: '60px', height: '60px', borderRadius: '50%', border: '0', cursor: 'pointer',
    background: '#2456c9', color: '#fff', boxShadow: '0 6px 20px rgba(16, 24, 40, .28)',
    display: 'flex', alignItems: 'center', justifyContent: 'center', padding: '0'
  });
  launcher.type = 'button';
  launcher.id = 'helpdesk-widget-launcher';
  launcher.setAttribute('aria-label', label);
  launcher.setAttribute('aria-expanded', 'false');
  launcher.setAttribute('aria-controls', 'helpdesk-widget-frame');
  launcher.title = label;
  var svgNS = 'http://www.w3.org/2000/svg';
  function icon(path) {
    var svg = document.createElementNS(svgNS, 'svg');
    svg.setAttribute('width', '28'); svg.setAttribute('height', '28'); svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true'); svg.setAttribute('focusable', 'false');
    var p = document.createElementNS(svgNS, 'path');
    p.setAttribute('d', path); p.setAttribute('fill', 'currentColor');
    svg.appendChild(p);
    return svg;
  }
  var chatIcon = icon('M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
  var closeIcon = icon('M18.3 5.7 12 12l6.3 6.3-1.4 1.4L10.6 13.4 4.3 19.7 2.9 18.3 9.2 12 2.9 5.7 4.3 4.3l6.3 6.3 6.3-6.3z');
  launcher.appendChild(chatIcon);

  function place() {
    var narrow = window.innerWidth < 480;
    css(frame, narrow
      ? { right: '0', bottom: '0', width: '100%', height: '100%', borderRadius: '0' }
      : { right: '20px', bottom: '92px', width: '380px', height: 'min(640px, calc(100vh - 120px))', borderRadius: '14px' });
  }

  function build() {
    frame = css(document.createElement('iframe'), {
      position: 'fixed', zIndex: '2147483647', border: '0', background: '#fff',
      boxShadow: '0 12px 40px rgba(16, 24, 40, .3)', display: 'none'
    });
    frame.id = 'helpdesk-widget-frame';
    frame.title = 'Support chat';
    frame.src = desk + '/chat/?embed=1';
    frame.setAttribute('allow', 'clipboard-write');
    document.body.appendChild(frame);
    place();
    window.addEventListener('resize', function () { if (frame) place(); });
  }

  function toggle() {
    if (!frame) build();
    open = !open;
    frame.style.display = open ? 'block' : 'none';
    launcher.setAttribute('aria-expanded', open ? 'true' : 'false');
    launcher.replaceChild(open ? closeIcon : chatIcon, launcher.firstChild);
    // On a phone the open chat fills the screen; the launcher stays on top to close it.
    if (open) frame.focus();
  }

  launcher.addEventListener('click', toggle);
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && open) { toggle(); launcher.focus(); }
  });

  function mount() { document.body.appendChild(launcher); }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
