/* The inbox's icons, drawn as inline SVG: an emoji shows as an empty box where no emoji font
 * is installed, and takes its colours from the font instead of the text around it. The paths
 * are constants of this file (24 x 24, filled with currentColor); no data ever reaches them. */

var SVG = 'http://www.w3.org/2000/svg';

var PATHS = {
  thumbUp: 'M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 ' +
    '7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z',
  thumbDown: 'M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 ' +
    '4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z'
};

/* An icon for beside a word: hidden from assistive technology, which reads the word. */
export function icon(name, size) {
  var svg = document.createElementNS(SVG, 'svg');
  var px = String(size || 16);
  svg.setAttribute('class', 'icon');
  svg.setAttribute('width', px);
  svg.setAttribute('height', px);
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  var path = document.createElementNS(SVG, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('d', PATHS[name]);
  svg.appendChild(path);
  return svg;
}
