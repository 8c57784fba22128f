// Where the FSM diagram puts everything, fixed by hand in the arrangement of RFC 9293 Figure 5
// (3.3.2): CLOSED on top, LISTEN, SYN-RCVD left and SYN-SENT right, ESTAB in the middle,
// FIN-WAIT-1 / CLOSE-WAIT, FIN-WAIT-2 / CLOSING / LAST-ACK, TIME-WAIT at the bottom, and a second
// CLOSED beside TIME-WAIT as the figure draws it. Arrows are orthogonal routes between box sides,
// each with the place its label goes; exits to CLOSED from the middle of the diagram (ABORT, RST,
// R2) end in a small dashed CLOSED beside their state instead of crossing the page.
// Why by hand and not Graphviz (neato with pinned nodes): pins fix the boxes but not the edge
// labels, which neato stacks on top of each other where edges converge (every state has an exit
// to CLOSED). Fixed routes give every label its own free space, which the report tests check in
// Chromium.
import type { TcpState } from '../fsm/index.js';

export type Point = readonly [number, number];

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Where a label goes: the anchor point, how the text hangs from it (text-anchor horizontally;
 * 'top': the first line's top at y, 'bottom': the last line's bottom at y, 'middle': centred),
 * and the width it may take before it wraps.
 */
export interface LabelSpot {
  x: number;
  y: number;
  anchor: 'start' | 'middle' | 'end';
  valign: 'top' | 'bottom' | 'middle';
  width: number;
}

export interface Route {
  points: Point[];
  label: LabelSpot;
  /** the dashed CLOSED box the route ends in, when it is not a state's own box */
  ghost?: Rect;
}

export const WIDTH = 1250;
export const HEIGHT = 950;
export const BOX = { w: 136, h: 40 } as const;
const GHOST = { w: 66, h: 22 } as const;
/** Badge (self-loop summary) size. */
export const BADGE = { w: 38, h: 18 } as const;

const L = 330;
const C = 650;
const R = 970;
const Y = [70, 200, 340, 480, 620, 760, 900] as const;

export const CENTER: Readonly<Record<TcpState, Point>> = {
  CLOSED: [C, Y[0]],
  LISTEN: [C, Y[1]],
  'SYN-RECEIVED': [L, Y[2]],
  'SYN-SENT': [R, Y[2]],
  ESTABLISHED: [C, Y[3]],
  'FIN-WAIT-1': [L, Y[4]],
  'CLOSE-WAIT': [R, Y[4]],
  'FIN-WAIT-2': [L, Y[5]],
  CLOSING: [C, Y[5]],
  'LAST-ACK': [R, Y[5]],
  'TIME-WAIT': [C, Y[6]],
};

/** Figure 5's second CLOSED, where LAST-ACK and TIME-WAIT end. */
export const CLOSED_BOTTOM: Rect = { x: R - BOX.w / 2, y: Y[6] - BOX.h / 2, w: BOX.w, h: BOX.h };

export function boxOf(state: TcpState): Rect {
  const [cx, cy] = CENTER[state];
  return { x: cx - BOX.w / 2, y: cy - BOX.h / 2, w: BOX.w, h: BOX.h };
}

// Box sides, for routes: left / right x and top / bottom y of a state's box.
const left = (s: TcpState) => CENTER[s][0] - BOX.w / 2;
const right = (s: TcpState) => CENTER[s][0] + BOX.w / 2;
const top = (s: TcpState) => CENTER[s][1] - BOX.h / 2;
const bottom = (s: TcpState) => CENTER[s][1] + BOX.h / 2;

const ghostAt = (cx: number, cy: number): Rect => ({ x: cx - GHOST.w / 2, y: cy - GHOST.h / 2, w: GHOST.w, h: GHOST.h });

/** A short exit from a state's side into a dashed CLOSED beside it. */
function exitLeft(s: TcpState): Route {
  const [, cy] = CENTER[s];
  const ghost = ghostAt(70, cy);
  return {
    points: [
      [left(s), cy],
      [ghost.x + ghost.w, cy],
    ],
    ghost,
    label: { x: left(s) - 6, y: ghost.y - 3, anchor: 'end', valign: 'bottom', width: 200 },
  };
}

const ROUTES: Readonly<Record<string, Route>> = {
  // Opening (top third of Figure 5).
  'CLOSED>LISTEN': {
    points: [
      [C - 20, bottom('CLOSED')],
      [C - 20, top('LISTEN')],
    ],
    label: { x: C - 28, y: 135, anchor: 'end', valign: 'middle', width: 150 },
  },
  'LISTEN>CLOSED': {
    points: [
      [C + 20, top('LISTEN')],
      [C + 20, bottom('CLOSED')],
    ],
    label: { x: C + 28, y: 135, anchor: 'start', valign: 'middle', width: 150 },
  },
  'CLOSED>SYN-SENT': {
    points: [
      [right('CLOSED'), Y[0] - 8],
      [R + 40, Y[0] - 8],
      [R + 40, top('SYN-SENT')],
    ],
    label: { x: (right('CLOSED') + R + 40) / 2, y: Y[0] - 14, anchor: 'middle', valign: 'bottom', width: 240 },
  },
  'SYN-SENT>CLOSED': {
    points: [
      [R, top('SYN-SENT')],
      [R, Y[0] + 8],
      [right('CLOSED'), Y[0] + 8],
    ],
    label: { x: (right('CLOSED') + R) / 2, y: Y[0] + 14, anchor: 'middle', valign: 'top', width: 230 },
  },
  'LISTEN>SYN-SENT': {
    points: [
      [right('LISTEN'), Y[1]],
      [R - 40, Y[1]],
      [R - 40, top('SYN-SENT')],
    ],
    label: { x: (right('LISTEN') + R - 40) / 2, y: Y[1] - 6, anchor: 'middle', valign: 'bottom', width: 200 },
  },
  'LISTEN>SYN-RECEIVED': {
    points: [
      [left('LISTEN'), Y[1] + 10],
      [L + 20, Y[1] + 10],
      [L + 20, top('SYN-RECEIVED')],
    ],
    label: { x: (left('LISTEN') + L + 20) / 2, y: Y[1] + 16, anchor: 'middle', valign: 'top', width: 220 },
  },
  'SYN-RECEIVED>LISTEN': {
    points: [
      [L - 20, top('SYN-RECEIVED')],
      [L - 20, Y[1] - 10],
      [left('LISTEN'), Y[1] - 10],
    ],
    label: { x: (left('LISTEN') + L - 20) / 2, y: Y[1] - 16, anchor: 'middle', valign: 'bottom', width: 230 },
  },
  'SYN-SENT>SYN-RECEIVED': {
    points: [
      [left('SYN-SENT'), Y[2] - 8],
      [right('SYN-RECEIVED'), Y[2] - 8],
    ],
    label: { x: C, y: Y[2] - 14, anchor: 'middle', valign: 'bottom', width: 300 },
  },
  'SYN-RECEIVED>ESTABLISHED': {
    points: [
      [right('SYN-RECEIVED'), Y[2] + 8],
      [C - 20, Y[2] + 8],
      [C - 20, top('ESTABLISHED')],
    ],
    label: { x: (right('SYN-RECEIVED') + C - 20) / 2, y: Y[2] + 14, anchor: 'middle', valign: 'top', width: 200 },
  },
  'SYN-SENT>ESTABLISHED': {
    points: [
      [left('SYN-SENT'), Y[2] + 8],
      [C + 20, Y[2] + 8],
      [C + 20, top('ESTABLISHED')],
    ],
    label: { x: (left('SYN-SENT') + C + 20) / 2, y: Y[2] + 14, anchor: 'middle', valign: 'top', width: 200 },
  },
  // Closing (bottom two thirds).
  'SYN-RECEIVED>FIN-WAIT-1': {
    points: [
      [L - 20, bottom('SYN-RECEIVED')],
      [L - 20, top('FIN-WAIT-1')],
    ],
    label: { x: L - 28, y: Y[3], anchor: 'end', valign: 'middle', width: 150 },
  },
  'ESTABLISHED>FIN-WAIT-1': {
    points: [
      [left('ESTABLISHED'), Y[3] + 10],
      [L + 30, Y[3] + 10],
      [L + 30, top('FIN-WAIT-1')],
    ],
    label: { x: (left('ESTABLISHED') + L + 30) / 2, y: Y[3] + 4, anchor: 'middle', valign: 'bottom', width: 200 },
  },
  'ESTABLISHED>CLOSE-WAIT': {
    points: [
      [right('ESTABLISHED'), Y[3] + 10],
      [R - 20, Y[3] + 10],
      [R - 20, top('CLOSE-WAIT')],
    ],
    label: { x: (right('ESTABLISHED') + R - 20) / 2, y: Y[3] + 4, anchor: 'middle', valign: 'bottom', width: 200 },
  },
  'FIN-WAIT-1>FIN-WAIT-2': {
    points: [
      [L, bottom('FIN-WAIT-1')],
      [L, top('FIN-WAIT-2')],
    ],
    label: { x: L - 8, y: (Y[4] + Y[5]) / 2, anchor: 'end', valign: 'middle', width: 150 },
  },
  'FIN-WAIT-1>CLOSING': {
    points: [
      [right('FIN-WAIT-1'), Y[4] - 8],
      [C - 50, Y[4] - 8],
      [C - 50, top('CLOSING')],
    ],
    label: { x: (right('FIN-WAIT-1') + C - 50) / 2, y: Y[4] - 14, anchor: 'middle', valign: 'bottom', width: 190 },
  },
  'FIN-WAIT-1>TIME-WAIT': {
    points: [
      [right('FIN-WAIT-1'), Y[4] + 10],
      [L + 110, Y[4] + 10],
      [L + 110, Y[6] - 10],
      [left('TIME-WAIT'), Y[6] - 10],
    ],
    label: { x: (L + 110 + left('TIME-WAIT')) / 2, y: Y[6] - 16, anchor: 'middle', valign: 'bottom', width: 138 },
  },
  'FIN-WAIT-2>TIME-WAIT': {
    points: [
      [L, bottom('FIN-WAIT-2')],
      [L, Y[6] + 10],
      [left('TIME-WAIT'), Y[6] + 10],
    ],
    label: { x: (L + left('TIME-WAIT')) / 2, y: Y[6] + 16, anchor: 'middle', valign: 'top', width: 230 },
  },
  'CLOSE-WAIT>LAST-ACK': {
    points: [
      [R, bottom('CLOSE-WAIT')],
      [R, top('LAST-ACK')],
    ],
    label: { x: R - 8, y: (Y[4] + Y[5]) / 2, anchor: 'end', valign: 'middle', width: 150 },
  },
  'CLOSING>TIME-WAIT': {
    points: [
      [C, bottom('CLOSING')],
      [C, top('TIME-WAIT')],
    ],
    label: { x: C + 8, y: (Y[5] + Y[6]) / 2, anchor: 'start', valign: 'middle', width: 150 },
  },
  'LAST-ACK>CLOSED': {
    points: [
      [R, bottom('LAST-ACK')],
      [R, CLOSED_BOTTOM.y],
    ],
    label: { x: R + 8, y: (Y[5] + Y[6]) / 2, anchor: 'start', valign: 'middle', width: 230 },
    ghost: CLOSED_BOTTOM,
  },
  'TIME-WAIT>CLOSED': {
    points: [
      [right('TIME-WAIT'), Y[6]],
      [CLOSED_BOTTOM.x, Y[6]],
    ],
    label: { x: (right('TIME-WAIT') + CLOSED_BOTTOM.x) / 2, y: Y[6] - 6, anchor: 'middle', valign: 'bottom', width: 176 },
    ghost: CLOSED_BOTTOM,
  },
  // Exits to CLOSED from the middle: a dashed CLOSED beside the state.
  'SYN-RECEIVED>CLOSED': exitLeft('SYN-RECEIVED'),
  'FIN-WAIT-1>CLOSED': exitLeft('FIN-WAIT-1'),
  'FIN-WAIT-2>CLOSED': exitLeft('FIN-WAIT-2'),
  'CLOSE-WAIT>CLOSED': (() => {
    const ghost = ghostAt(WIDTH - 58, Y[4]);
    return {
      points: [
        [right('CLOSE-WAIT'), Y[4]],
        [ghost.x, Y[4]],
      ],
      ghost,
      label: { x: right('CLOSE-WAIT') + 6, y: ghost.y - 3, anchor: 'start', valign: 'bottom', width: 150 },
    } as Route;
  })(),
  'ESTABLISHED>CLOSED': (() => {
    const ghost = ghostAt(C, Y[3] + 92);
    return {
      points: [
        [C, bottom('ESTABLISHED')],
        [C, ghost.y],
      ],
      ghost,
      label: { x: C + 8, y: bottom('ESTABLISHED') + 6, anchor: 'start', valign: 'top', width: 150 },
    } as Route;
  })(),
  'CLOSING>CLOSED': (() => {
    const ghost = ghostAt(C + 150, Y[5]);
    return {
      points: [
        [right('CLOSING'), Y[5]],
        [ghost.x, Y[5]],
      ],
      ghost,
      label: { x: right('CLOSING') + 6, y: ghost.y - 3, anchor: 'start', valign: 'bottom', width: 170 },
    } as Route;
  })(),
};

/** Which corner of a state's box carries its self-loop badge: the one no arrow touches. */
const BADGE_CORNER: Readonly<Record<TcpState, 'tl' | 'tr' | 'bl' | 'br'>> = {
  CLOSED: 'tl',
  LISTEN: 'br',
  'SYN-RECEIVED': 'bl',
  'SYN-SENT': 'br',
  ESTABLISHED: 'tl',
  'FIN-WAIT-1': 'bl',
  'CLOSE-WAIT': 'tl',
  'FIN-WAIT-2': 'tr',
  CLOSING: 'bl',
  'LAST-ACK': 'tr',
  'TIME-WAIT': 'br',
};

export function badgeRect(state: TcpState): Rect {
  const b = boxOf(state);
  const corner = BADGE_CORNER[state];
  const cx = corner.endsWith('l') ? b.x : b.x + b.w;
  const cy = corner.startsWith('t') ? b.y : b.y + b.h;
  return { x: cx - BADGE.w / 2, y: cy - BADGE.h / 2, w: BADGE.w, h: BADGE.h };
}

/** The legend's top-left corner: the free space left of LISTEN, under the title. */
export const LEGEND_AT: Point = [16, 48];
export const LEGEND_WIDTH = 290;

/**
 * The route for an arrow. Pairs the figure has no place for (a mutated table) get a straight
 * line between the boxes' nearest sides, labelled at its middle.
 */
export function routeOf(from: TcpState, to: TcpState): Route {
  const known = ROUTES[`${from}>${to}`];
  if (known) return known;
  const [x1, y1] = CENTER[from];
  const [x2, y2] = CENTER[to];
  const side = (x: number, y: number, dx: number, dy: number): Point =>
    Math.abs(dx) * BOX.h > Math.abs(dy) * BOX.w
      ? [x + (Math.sign(dx) * BOX.w) / 2, y + (dy * BOX.w) / 2 / Math.abs(dx)]
      : [x + (dx * BOX.h) / 2 / Math.abs(dy), y + (Math.sign(dy) * BOX.h) / 2];
  const a = side(x1, y1, x2 - x1, y2 - y1);
  const b = side(x2, y2, x1 - x2, y1 - y2);
  return { points: [a, b], label: { x: (a[0] + b[0]) / 2, y: (a[1] + b[1]) / 2, anchor: 'middle', valign: 'middle', width: 180 } };
}

/** Every route the figure draws by hand (the tests check each against the table). */
export const knownRoutes = (): string[] => Object.keys(ROUTES);
